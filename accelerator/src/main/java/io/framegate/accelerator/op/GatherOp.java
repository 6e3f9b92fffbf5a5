package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;

/** Gather along one axis with constant indices (negative ones count from the end). */
final class GatherOp implements Operator {

  @Override
  public OpSchema schema() {
    return new OpSchema(
        "Gather",
        "takes entries along an axis at constant indices",
        List.of(new AttrSchema("axis", "int", "0", "may be negative")),
        1);
  }

  private record Plan(int[] outShape, int[] indices, int outer, int axisLength, int inner) {}

  private Plan plan(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int axis = ViewOp.normalise(ctx, ctx.attrs().getInt("axis", 0), x.length);
    Tensor idx = ctx.requireConstant(1, "indices");
    long[] raw = idx.toLongs();
    int[] indices = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      long v = raw[i] < 0 ? raw[i] + x[axis] : raw[i];
      if (v < 0 || v >= x[axis]) {
        throw ctx.error("index " + raw[i] + " is out of range for axis size " + x[axis]);
      }
      indices[i] = (int) v;
    }
    int[] is = idx.shape();
    int[] out = new int[x.length - 1 + is.length];
    System.arraycopy(x, 0, out, 0, axis);
    System.arraycopy(is, 0, out, axis, is.length);
    System.arraycopy(x, axis + 1, out, axis + is.length, x.length - axis - 1);
    return new Plan(
        out, indices, Shapes.product(x, 0, axis), x[axis], Shapes.product(x, axis + 1, x.length));
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    if (ctx.input(0).type() == DataType.INT64 && ctx.constant(0) == null) {
      throw ctx.unsupported("INT64 data computed at run time");
    }
    return List.of(ctx.output(0, ctx.input(0).type(), plan(ctx).outShape));
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    if (inputs.get(0).type() != DataType.INT64) {
      return Operator.super.evaluate(ctx, inputs, outputs);
    }
    Plan p = plan(ctx);
    long[] x = inputs.get(0).longs();
    long[] y = new long[Shapes.size(p.outShape)];
    int k = p.indices.length;
    for (int o = 0; o < p.outer; o++) {
      for (int j = 0; j < k; j++) {
        System.arraycopy(
            x, (o * p.axisLength + p.indices[j]) * p.inner, y, (o * k + j) * p.inner, p.inner);
      }
    }
    return List.of(Tensor.ofLongs(y, p.outShape));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Plan p = plan(ctx);
    float[] x = in[0];
    float[] y = out[0];
    int[] indices = p.indices;
    int axisLength = p.axisLength;
    int inner = p.inner;
    int total = p.outer * indices.length;
    return KernelCall.gatherAxis(x, y, indices, axisLength, inner, total).step();
  }
}
