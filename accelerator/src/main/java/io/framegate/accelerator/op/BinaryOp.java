package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.ElementwiseKernels;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;

/**
 * Add, Sub, Mul, Div, Pow and PRelu with numpy broadcasting, on {@link ElementwiseKernels#binary}.
 */
final class BinaryOp implements Operator {
  private final String opType;
  private final int code;
  private final String summary;

  BinaryOp(String opType, int code, String summary) {
    this.opType = opType;
    this.code = code;
    this.summary = summary;
  }

  static List<BinaryOp> all() {
    return List.of(
        new BinaryOp("Add", ElementwiseKernels.ADD, "a + b, numpy broadcasting"),
        new BinaryOp("Sub", ElementwiseKernels.SUB, "a − b, numpy broadcasting"),
        new BinaryOp("Mul", ElementwiseKernels.MUL, "a · b, numpy broadcasting"),
        new BinaryOp("Div", ElementwiseKernels.DIV, "a / b, numpy broadcasting"),
        new BinaryOp("Pow", ElementwiseKernels.POW, "a ^ b, numpy broadcasting"),
        new BinaryOp(
            "PRelu", ElementwiseKernels.PRELU, "x < 0 ? slope·x : x, slope broadcast to x"));
  }

  @Override
  public OpSchema schema() {
    return new OpSchema(opType, summary, List.of(), 1);
  }

  /**
   * The second operand's shape as numpy broadcasting should see it. Before opset 7, {@code
   * broadcast=1} aligned b with a starting at {@code axis} (default: its trailing axes), so b gets
   * trailing 1s.
   */
  private int[] rightShape(NodeContext ctx) {
    int[] a = ctx.shape(0);
    int[] b = ctx.shape(1);
    if (code == ElementwiseKernels.PRELU) {
      // before opset 7 a 1-D slope holds one value per channel (axis 1)
      if (ctx.opset() < 7 && b.length == 1 && a.length > 2 && b[0] == a[1] && b[0] != 1) {
        int[] out = new int[a.length - 1];
        java.util.Arrays.fill(out, 1);
        out[0] = b[0];
        return out;
      }
      return b;
    }
    if (ctx.opset() >= 7 || ctx.attrs().getInt("broadcast", 0) == 0) {
      if (ctx.opset() < 7 && !java.util.Arrays.equals(a, b) && Shapes.size(b) != 1) {
        throw ctx.error("shapes differ and broadcast=0 (opset " + ctx.opset() + ")");
      }
      return b;
    }
    if (!ctx.attrs().has("axis")) {
      return b;
    }
    int axis = ViewOp.normalise(ctx, ctx.attrs().getInt("axis", 0), a.length);
    int[] out = new int[a.length - axis];
    java.util.Arrays.fill(out, 1);
    if (b.length > out.length) {
      throw ctx.error("b has more axes than a from axis " + axis);
    }
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    int[] a = ctx.shape(0);
    int[] b = rightShape(ctx);
    int[] out;
    try {
      out = Shapes.broadcast(a, b);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    if (code == ElementwiseKernels.PRELU && !java.util.Arrays.equals(out, a)) {
      throw ctx.error("slope must broadcast to the input's shape");
    }
    DataType type = ctx.input(0).type();
    for (int i = 0; i < 2; i++) {
      // an INT64 constant operand (Pow's exponent) is read as floats; INT64 data at run time is not
      boolean runtime = ctx.constant(i) == null;
      if (runtime && (ctx.input(i).type() != DataType.FLOAT32 || type != DataType.FLOAT32)) {
        throw ctx.unsupported("INT64 arithmetic computed at run time");
      }
    }
    return List.of(ctx.output(0, type, out));
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    Tensor a = inputs.get(0);
    Tensor b = inputs.get(1);
    if (a.type() != DataType.INT64 || b.type() != DataType.INT64) {
      return Operator.super.evaluate(ctx, inputs, outputs);
    }
    int[] out = outputs.get(0).shape();
    int[] sa = Shapes.broadcastStrides(a.shape(), out);
    int[] sb = Shapes.broadcastStrides(rightShape(ctx), out);
    int[] so = Shapes.strides(out);
    long[] x = a.longs();
    long[] z = b.longs();
    long[] y = new long[Shapes.size(out)];
    for (int i = 0; i < y.length; i++) {
      int ia = 0;
      int ib = 0;
      int rem = i;
      for (int d = 0; d < out.length; d++) {
        int idx = rem / so[d];
        rem -= idx * so[d];
        ia += idx * sa[d];
        ib += idx * sb[d];
      }
      long p = x[ia];
      long q = z[ib];
      y[i] =
          switch (code) {
            case ElementwiseKernels.ADD -> p + q;
            case ElementwiseKernels.SUB -> p - q;
            case ElementwiseKernels.MUL -> p * q;
            case ElementwiseKernels.DIV -> {
              if (q == 0) {
                throw ctx.error("integer division by zero while folding constants");
              }
              yield p / q;
            }
            case ElementwiseKernels.POW -> (long) Math.pow(p, q);
            default -> p < 0 ? p * q : p;
          };
    }
    return List.of(Tensor.ofLongs(y, out));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    int[] outShape = outputs.get(0).shape();
    int r = outShape.length;
    int[] g = new int[1 + 3 * r];
    g[0] = r;
    System.arraycopy(outShape, 0, g, 1, r);
    System.arraycopy(Shapes.broadcastStrides(ctx.shape(0), outShape), 0, g, 1 + r, r);
    System.arraycopy(Shapes.broadcastStrides(rightShape(ctx), outShape), 0, g, 1 + 2 * r, r);
    float[] a = in[0];
    float[] b = in[1];
    float[] y = out[0];
    int op = code;
    int n = Shapes.size(outShape);
    return KernelCall.binary(a, b, y, g, op, n).step();
  }
}
