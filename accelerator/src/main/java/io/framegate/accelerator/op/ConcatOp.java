package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Concat along an axis: each input is a run of blocks copied into its slot of every output block.
 */
final class ConcatOp implements Operator {

  @Override
  public OpSchema schema() {
    return new OpSchema(
        "Concat",
        "joins inputs along an axis",
        List.of(new AttrSchema("axis", "int", "required", "may be negative")),
        1);
  }

  private static int axis(NodeContext ctx) {
    if (!ctx.attrs().has("axis")) {
      if (ctx.opset() < 4) {
        return 1; // the default before opset 4
      }
      throw ctx.error("axis is required");
    }
    return ViewOp.normalise(ctx, ctx.attrs().getInt("axis", 0), ctx.shape(0).length);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    int[] first = ctx.shape(0);
    int axis = axis(ctx);
    int[] out = first.clone();
    out[axis] = 0;
    DataType type = ctx.input(0).type();
    for (int i = 0; i < ctx.inputCount(); i++) {
      int[] s = ctx.shape(i);
      if (s.length != first.length) {
        throw ctx.error("input " + i + " has rank " + s.length + ", input 0 has " + first.length);
      }
      for (int d = 0; d < s.length; d++) {
        if (d != axis && s[d] != first[d]) {
          throw ctx.error(
              "input "
                  + i
                  + " of shape "
                  + Arrays.toString(s)
                  + " does not match "
                  + Arrays.toString(first));
        }
      }
      if (ctx.input(i).type() != type) {
        throw ctx.error("inputs mix " + type + " and " + ctx.input(i).type());
      }
      if (type == DataType.INT64 && ctx.constant(i) == null) {
        throw ctx.unsupported("INT64 data computed at run time");
      }
      out[axis] += s[axis];
    }
    return List.of(ctx.output(0, type, out));
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    if (inputs.get(0).type() != DataType.INT64) {
      return Operator.super.evaluate(ctx, inputs, outputs);
    }
    int axis = axis(ctx);
    int[] out = outputs.get(0).shape();
    int outer = Shapes.product(out, 0, axis);
    int dstStride = Shapes.product(out, axis, out.length);
    long[] y = new long[Shapes.size(out)];
    int offset = 0;
    for (Tensor t : inputs) {
      int block = Shapes.product(t.shape(), axis, t.rank());
      for (int o = 0; o < outer; o++) {
        System.arraycopy(t.longs(), o * block, y, o * dstStride + offset, block);
      }
      offset += block;
    }
    return List.of(Tensor.ofLongs(y, out));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    int axis = axis(ctx);
    int[] outShape = outputs.get(0).shape();
    int outer = Shapes.product(outShape, 0, axis);
    int dstStride = Shapes.product(outShape, axis, outShape.length);
    float[] y = out[0];
    KernelCall[] copies = new KernelCall[in.length];
    int offset = 0;
    for (int i = 0; i < in.length; i++) {
      int[] s = ctx.shape(i);
      int block = Shapes.product(s, axis, s.length);
      float[] x = in[i];
      int dstOffset = offset;
      copies[i] = KernelCall.copyBlocks(x, y, block, dstStride, dstOffset, outer);
      offset += block;
    }
    return loops -> {
      for (KernelCall copy : copies) {
        loops.launch(copy);
      }
    };
  }
}
