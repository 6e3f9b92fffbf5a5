package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.PoolKernels;
import io.framegate.accelerator.tensor.Shapes;
import java.util.List;

/** MaxPool, AveragePool (1-, 2-, 3-D), GlobalAveragePool and GlobalMaxPool. */
final class PoolOp implements Operator {
  enum Kind {
    MAX("MaxPool"),
    AVERAGE("AveragePool"),
    GLOBAL_AVERAGE("GlobalAveragePool"),
    GLOBAL_MAX("GlobalMaxPool");

    final String opType;

    Kind(String opType) {
      this.opType = opType;
    }
  }

  private final Kind kind;

  PoolOp(Kind kind) {
    this.kind = kind;
  }

  @Override
  public OpSchema schema() {
    List<AttrSchema> window =
        List.of(
            new AttrSchema("kernel_shape", "ints", "required", "window size per spatial axis"),
            new AttrSchema("strides", "ints", "1 per axis", "step of the window"),
            new AttrSchema("pads", "ints", "0 per axis", "begin pads then end pads"),
            new AttrSchema("dilations", "ints", "1 per axis", "spacing of window taps"),
            new AttrSchema("ceil_mode", "int", "0", "1: round the output size up"),
            new AttrSchema(
                "auto_pad", "string", "NOTSET", "NOTSET | SAME_UPPER | SAME_LOWER | VALID"));
    return switch (kind) {
      case MAX ->
          new OpSchema(
              kind.opType,
              "max over each window; padding never wins",
              concat(
                  window,
                  new AttrSchema("storage_order", "int", "0", "accepted; no Indices output")),
              1);
      case AVERAGE ->
          new OpSchema(
              kind.opType,
              "mean over each window",
              concat(
                  window,
                  new AttrSchema(
                      "count_include_pad", "int", "0", "1: padded positions count in the divisor")),
              1);
      case GLOBAL_AVERAGE ->
          new OpSchema(kind.opType, "mean over all spatial positions", List.of(), 1);
      case GLOBAL_MAX -> new OpSchema(kind.opType, "max over all spatial positions", List.of(), 1);
    };
  }

  private static List<AttrSchema> concat(List<AttrSchema> a, AttrSchema b) {
    var out = new java.util.ArrayList<>(a);
    out.add(b);
    return out;
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    ctx.requireFloat(0);
    int[] x = ctx.shape(0);
    if (x.length < 3) {
      throw ctx.error("input must be N×C×spatial, has rank " + x.length);
    }
    if (ctx.node().outputs().size() > 1 && !ctx.node().outputs().get(1).isEmpty()) {
      throw ctx.unsupported("the Indices output is not supported");
    }
    if (kind == Kind.GLOBAL_AVERAGE || kind == Kind.GLOBAL_MAX) {
      int[] out = x.clone();
      for (int i = 2; i < out.length; i++) {
        out[i] = 1;
      }
      return List.of(ctx.floatOutput(out));
    }
    return List.of(ctx.floatOutput(window(ctx).outShape));
  }

  private record Geometry(int[] g, int[] outShape) {}

  private Geometry window(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int spatial = x.length - 2;
    if (spatial > 3) {
      throw ctx.unsupported("only 1-, 2- and 3-D pooling is supported");
    }
    long[] ks = ctx.attrs().getInts("kernel_shape", null);
    if (ks == null) {
      throw ctx.error("kernel_shape is required");
    }
    int[] kernel = new int[ks.length];
    for (int i = 0; i < ks.length; i++) {
      kernel[i] = Math.toIntExact(ks[i]);
    }
    int[] in = new int[spatial];
    System.arraycopy(x, 2, in, 0, spatial);
    boolean ceil = ctx.attrs().getInt("ceil_mode", 0) != 0;
    Window w = Window.of(ctx, in, kernel, ceil);
    int[] outShape = x.clone();
    System.arraycopy(w.output(), 0, outShape, 2, spatial);
    int[] in3 = Window.as3d(in, 1);
    int[] k3 = Window.as3d(kernel, 1);
    int[] o3 = Window.as3d(w.output(), 1);
    int[] s3 = Window.as3d(w.strides(), 1);
    int[] pb = Window.as3d(w.padBegin(), 0);
    int[] pe = Window.as3d(w.padEnd(), 0);
    int[] d3 = Window.as3d(w.dilations(), 1);
    int[] g = new int[PoolKernels.GEOMETRY_LENGTH];
    g[PoolKernels.N] = x[0];
    g[PoolKernels.C] = x[1];
    g[PoolKernels.D] = in3[0];
    g[PoolKernels.H] = in3[1];
    g[PoolKernels.W] = in3[2];
    g[PoolKernels.KD] = k3[0];
    g[PoolKernels.KH] = k3[1];
    g[PoolKernels.KW] = k3[2];
    g[PoolKernels.OD] = o3[0];
    g[PoolKernels.OH] = o3[1];
    g[PoolKernels.OW] = o3[2];
    g[PoolKernels.SD] = s3[0];
    g[PoolKernels.SH] = s3[1];
    g[PoolKernels.SW] = s3[2];
    g[PoolKernels.PD] = pb[0];
    g[PoolKernels.PH] = pb[1];
    g[PoolKernels.PW] = pb[2];
    g[PoolKernels.DD] = d3[0];
    g[PoolKernels.DH] = d3[1];
    g[PoolKernels.DW] = d3[2];
    g[PoolKernels.PD_END] = pe[0];
    g[PoolKernels.PH_END] = pe[1];
    g[PoolKernels.PW_END] = pe[2];
    return new Geometry(g, outShape);
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    float[] x = in[0];
    float[] y = out[0];
    int[] shape = ctx.shape(0);
    if (kind == Kind.GLOBAL_AVERAGE || kind == Kind.GLOBAL_MAX) {
      int nc = shape[0] * shape[1];
      int spatial = Shapes.product(shape, 2, shape.length);
      return kind == Kind.GLOBAL_AVERAGE
          ? KernelCall.globalAvgPool(x, y, spatial, nc).step()
          : KernelCall.globalMaxPool(x, y, spatial, nc).step();
    }
    int[] g = window(ctx).g;
    int total = g[PoolKernels.N] * g[PoolKernels.C] * g[PoolKernels.OD];
    if (kind == Kind.MAX) {
      return KernelCall.maxPool(x, y, g, total).step();
    }
    int includePad = (int) ctx.attrs().getInt("count_include_pad", 0);
    return KernelCall.avgPool(x, y, g, includePad, total).step();
  }
}
