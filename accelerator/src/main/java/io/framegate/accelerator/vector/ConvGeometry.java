package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Window;

/**
 * A 2-D convolution's shape (1-D convolutions are seen as 2-D with height 1): input N×C×H×W,
 * weights M×(C/G)×KH×KW, output N×M×OH×OW. As a matrix product per image and group it is {@code
 * Y[M/G × OH·OW] = W[M/G × K] · col[K × OH·OW]} with {@code K = (C/G)·KH·KW}.
 */
record ConvGeometry(
    int n,
    int c,
    int h,
    int w,
    int m,
    int kh,
    int kw,
    int oh,
    int ow,
    int sh,
    int sw,
    int ph,
    int pw,
    int dh,
    int dw,
    int groups) {

  ConvGeometry {
    if (groups < 1 || c % groups != 0 || m % groups != 0) {
      throw new IllegalArgumentException(
          "channels " + c + " and " + m + " do not split into " + groups + " groups");
    }
  }

  /** The geometry of a Conv / FusedConv node, or null when it is not 1-D or 2-D. */
  static ConvGeometry of(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int[] wt = ctx.shape(1);
    int spatial = x.length - 2;
    if (spatial < 1 || spatial > 2 || wt.length != x.length) {
      return null;
    }
    int[] in = new int[spatial];
    int[] kernel = new int[spatial];
    System.arraycopy(x, 2, in, 0, spatial);
    System.arraycopy(wt, 2, kernel, 0, spatial);
    Window win = Window.of(ctx, in, kernel, false);
    int[] in3 = Window.as3d(in, 1);
    int[] k3 = Window.as3d(kernel, 1);
    int[] o3 = Window.as3d(win.output(), 1);
    int[] s3 = Window.as3d(win.strides(), 1);
    int[] p3 = Window.as3d(win.padBegin(), 0);
    int[] d3 = Window.as3d(win.dilations(), 1);
    return new ConvGeometry(
        x[0],
        x[1],
        in3[1],
        in3[2],
        wt[0],
        k3[1],
        k3[2],
        o3[1],
        o3[2],
        s3[1],
        s3[2],
        p3[1],
        p3[2],
        d3[1],
        d3[2],
        (int) ctx.attrs().getInt("group", 1));
  }

  int cPerGroup() {
    return c / groups;
  }

  int mPerGroup() {
    return m / groups;
  }

  /** Rows of the im2col matrix (the reduction length). */
  int k() {
    return cPerGroup() * kh * kw;
  }

  /** Output positions per image and channel. */
  int p() {
    return oh * ow;
  }

  boolean depthwise() {
    return cPerGroup() == 1 && mPerGroup() == 1;
  }

  /** Multiply-adds of the whole convolution. */
  long macs() {
    return (long) n * m * p() * k();
  }
}
