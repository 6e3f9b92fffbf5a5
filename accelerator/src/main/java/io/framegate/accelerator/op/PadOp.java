package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;

/**
 * Pad in constant, reflect and edge modes (pads as an attribute before opset 11, an input after).
 */
final class PadOp implements Operator {

  @Override
  public OpSchema schema() {
    return new OpSchema(
        "Pad",
        "pads (or crops, with negative pads) every axis",
        List.of(
            new AttrSchema("mode", "string", "constant", "constant | reflect | edge"),
            new AttrSchema("pads", "ints", "", "begin pads then end pads; input from opset 11"),
            new AttrSchema("value", "float", "0", "constant fill; input from opset 11")),
        1);
  }

  private record Plan(int[] outShape, int[] begin, int mode, float value) {}

  private Plan plan(NodeContext ctx) {
    ctx.requireFloat(0);
    int[] x = ctx.shape(0);
    int r = x.length;
    long[] pads;
    float value;
    long[] axes = null;
    if (ctx.opset() < 11) {
      pads = ctx.attrs().getInts("pads", null);
      value = ctx.attrs().getFloat("value", 0f);
    } else {
      pads = ctx.requireConstant(1, "pads").toLongs();
      Tensor v = ctx.constant(2);
      // NaN: a run-time scalar, read from its buffer before each run
      value = !ctx.hasInput(2) ? 0f : v == null ? Float.NaN : v.toFloats()[0];
      if (ctx.hasInput(3)) {
        axes = ctx.requireConstant(3, "axes").toLongs();
      }
    }
    int[] axisList = new int[axes == null ? r : axes.length];
    for (int i = 0; i < axisList.length; i++) {
      axisList[i] = axes == null ? i : ViewOp.normalise(ctx, axes[i], r);
    }
    if (pads == null || pads.length != 2 * axisList.length) {
      throw ctx.error("pads must have " + 2 * axisList.length + " values");
    }
    String modeName = ctx.attrs().getString("mode", "constant");
    int mode =
        switch (modeName) {
          case "constant" -> 0;
          case "reflect" -> 1;
          case "edge" -> 2;
          default -> throw ctx.unsupported("mode '" + modeName + "' is not supported");
        };
    int[] begin = new int[r];
    int[] out = x.clone();
    for (int i = 0; i < axisList.length; i++) {
      int a = axisList[i];
      begin[a] = (int) pads[i];
      out[a] = x[a] + (int) pads[i] + (int) pads[i + axisList.length];
      if (out[a] < 0) {
        throw ctx.error("pads crop axis " + a + " below zero");
      }
      if (mode == 1 && (pads[i] >= x[a] || pads[i + axisList.length] >= x[a])) {
        throw ctx.error("reflect pads must be smaller than the axis size " + x[a]);
      }
    }
    return new Plan(out, begin, mode, value);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    return List.of(ctx.floatOutput(plan(ctx).outShape));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Plan p = plan(ctx);
    int[] x = ctx.shape(0);
    int r = x.length;
    int[] g = new int[1 + 3 * r];
    g[0] = r;
    System.arraycopy(p.outShape, 0, g, 1, r);
    System.arraycopy(x, 0, g, 1 + r, r);
    System.arraycopy(p.begin, 0, g, 1 + 2 * r, r);
    // A constant value, or the run-time input holding it: the kernel reads element 0 either way.
    float[] value = Float.isNaN(p.value) ? in[2] : new float[] {p.value};
    return KernelCall.pad(in[0], out[0], g, p.mode, value, Shapes.size(p.outShape)).step();
  }
}
