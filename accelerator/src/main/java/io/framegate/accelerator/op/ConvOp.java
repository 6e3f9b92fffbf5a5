package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.kernel.ConvKernels;
import java.util.List;

/**
 * Conv (1-, 2- and 3-D, groups, dilations, auto_pad) and its fused form {@code FusedConv}, which a
 * graph pass makes from Conv followed by a residual Add and/or an activation: inputs X, W, B
 * (optional), R (optional residual), attributes of Conv plus {@code activation}, {@code alpha},
 * {@code beta}.
 */
final class ConvOp implements Operator {
  static final String FUSED = "FusedConv";

  private final boolean fused;

  ConvOp(boolean fused) {
    this.fused = fused;
  }

  @Override
  public OpSchema schema() {
    return new OpSchema(
        fused ? FUSED : "Conv",
        fused
            ? "Conv + bias + residual Add + activation in one kernel (made by the fusion pass)"
            : "N-D convolution (1-, 2-, 3-D) with bias, groups (incl. depthwise), strides, dilations",
        List.of(
            new AttrSchema("kernel_shape", "ints", "from W", "window size per spatial axis"),
            new AttrSchema("strides", "ints", "1 per axis", "step of the window"),
            new AttrSchema("pads", "ints", "0 per axis", "begin pads then end pads"),
            new AttrSchema("dilations", "ints", "1 per axis", "spacing of window taps"),
            new AttrSchema("group", "int", "1", "channel groups; group = C is depthwise"),
            new AttrSchema(
                "auto_pad", "string", "NOTSET", "NOTSET | SAME_UPPER | SAME_LOWER | VALID")),
        1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    return List.of(ctx.floatOutput(geometry(ctx).outShape));
  }

  private record Geometry(int[] g, int[] outShape, int act, float a, float b) {}

  private Geometry geometry(NodeContext ctx) {
    ctx.requireFloat(0);
    int[] x = ctx.shape(0);
    int[] w = ctx.shape(1);
    int spatial = x.length - 2;
    if (spatial < 1 || spatial > 3) {
      throw ctx.unsupported(
          "only 1-, 2- and 3-D convolutions are supported, input has rank " + x.length);
    }
    if (w.length != x.length) {
      throw ctx.error("weight rank " + w.length + " differs from input rank " + x.length);
    }
    int group = (int) ctx.attrs().getInt("group", 1);
    int c = x[1];
    int m = w[0];
    if (group < 1 || c % group != 0 || m % group != 0 || w[1] * group != c) {
      throw ctx.error(
          "input has "
              + c
              + " channels, weight expects "
              + w[1]
              + " per group with group="
              + group
              + " and "
              + m
              + " output channels");
    }
    int[] kernel = new int[spatial];
    System.arraycopy(w, 2, kernel, 0, spatial);
    long[] ks = ctx.attrs().getInts("kernel_shape", null);
    if (ks != null) {
      for (int i = 0; i < spatial; i++) {
        if (ks[i] != kernel[i]) {
          throw ctx.error("kernel_shape disagrees with the weight's shape");
        }
      }
    }
    if (ctx.hasInput(2) && (ctx.shape(2).length != 1 || ctx.shape(2)[0] != m)) {
      throw ctx.error("bias must have " + m + " values");
    }
    int[] in = new int[spatial];
    System.arraycopy(x, 2, in, 0, spatial);
    Window win = Window.of(ctx, in, kernel, false);
    int[] outShape = new int[x.length];
    outShape[0] = x[0];
    outShape[1] = m;
    System.arraycopy(win.output(), 0, outShape, 2, spatial);

    int[] in3 = Window.as3d(in, 1);
    int[] k3 = Window.as3d(kernel, 1);
    int[] o3 = Window.as3d(win.output(), 1);
    int[] s3 = Window.as3d(win.strides(), 1);
    int[] p3 = Window.as3d(win.padBegin(), 0);
    int[] d3 = Window.as3d(win.dilations(), 1);
    int[] g = new int[ConvKernels.GEOMETRY_LENGTH];
    g[ConvKernels.N] = x[0];
    g[ConvKernels.C] = c;
    g[ConvKernels.D] = in3[0];
    g[ConvKernels.H] = in3[1];
    g[ConvKernels.W] = in3[2];
    g[ConvKernels.M] = m;
    g[ConvKernels.KD] = k3[0];
    g[ConvKernels.KH] = k3[1];
    g[ConvKernels.KW] = k3[2];
    g[ConvKernels.OD] = o3[0];
    g[ConvKernels.OH] = o3[1];
    g[ConvKernels.OW] = o3[2];
    g[ConvKernels.SD] = s3[0];
    g[ConvKernels.SH] = s3[1];
    g[ConvKernels.SW] = s3[2];
    g[ConvKernels.PD] = p3[0];
    g[ConvKernels.PH] = p3[1];
    g[ConvKernels.PW] = p3[2];
    g[ConvKernels.DD] = d3[0];
    g[ConvKernels.DH] = d3[1];
    g[ConvKernels.DW] = d3[2];
    g[ConvKernels.GROUP] = group;
    g[ConvKernels.HAS_BIAS] = ctx.hasInput(2) ? 1 : 0;
    g[ConvKernels.HAS_RES] = fused && ctx.hasInput(3) ? 1 : 0;
    int act = Activation.NONE;
    float a = 0;
    float b = 0;
    if (fused) {
      if (g[ConvKernels.HAS_RES] == 1 && !java.util.Arrays.equals(ctx.shape(3), outShape)) {
        throw ctx.error("residual shape differs from the output shape");
      }
      act = (int) ctx.attrs().getInt("activation", Activation.NONE);
      a = ctx.attrs().getFloat("alpha", 0);
      b = ctx.attrs().getFloat("beta", 0);
    }
    return new Geometry(g, outShape, act, a, b);
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Geometry geo = geometry(ctx);
    float[] x = in[0];
    float[] w = in[1];
    float[] bias = in.length > 2 && in[2] != null ? in[2] : new float[1];
    float[] res = in.length > 3 && in[3] != null ? in[3] : new float[1];
    float[] y = out[0];
    int[] g = geo.g;
    int act = geo.act;
    float a = geo.a;
    float b = geo.b;
    int total = g[ConvKernels.N] * g[ConvKernels.M] * g[ConvKernels.OD];
    return KernelCall.conv(x, w, bias, res, y, g, act, a, b, total).step();
  }
}
