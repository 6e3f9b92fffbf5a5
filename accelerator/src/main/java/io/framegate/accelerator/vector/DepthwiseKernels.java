package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise convolution (one filter per channel), one output plane at a time: each output vector
 * accumulates all its taps in a register, so the plane is written once.
 */
final class DepthwiseKernels {
  private DepthwiseKernels() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /**
   * C(nc, j, k) = act(b(c) + Σ_{p,q} I(nc, jS−P+pΔ, kS−P+qΔ)·K(c, p, q) + R(nc, j, k)), taps
   * outside the image skipped; range i ∈ [0, N·C) planes.
   */
  static void planes(
      ConvGeometry g,
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int act,
      float p,
      float q,
      int lo,
      int hi) {
    int h = g.h();
    int wd = g.w();
    int kh = g.kh();
    int kw = g.kw();
    int oh = g.oh();
    int ow = g.ow();
    int sh = g.sh();
    int sw = g.sw();
    int ph = g.ph();
    int pw = g.pw();
    int dh = g.dh();
    int dw = g.dw();
    int channels = g.c();
    // columns whose every tap is inside the image
    int inLo = Im2col.firstInside(-pw, sw);
    int inHi = Im2col.endInside(-pw + (kw - 1) * dw, sw, wd, ow);
    boolean vectorRows = sw == 1 && Sgemm.vectorActivation(act);
    for (int i = lo; i < hi; i++) {
      int c = i % channels;
      int xPlane = i * h * wd;
      int yPlane = i * oh * ow;
      int wBase = c * kh * kw;
      float b0 = bias == null ? 0f : bias[c];
      for (int r = 0; r < oh; r++) {
        int top = r * sh - ph;
        int khLo = Im2col.firstInside(top, dh);
        int khHi = Im2col.endInside(top, dh, h, kh);
        int yRow = yPlane + r * ow;
        int col = 0;
        if (vectorRows && inHi - inLo >= VL) {
          for (; col < inLo; col++) {
            y[yRow + col] = edge(x, xPlane, w, wBase, b0, g, top, khLo, khHi, col);
          }
          for (; col + VL <= inHi; col += VL) {
            FloatVector acc = FloatVector.broadcast(S, b0);
            for (int a = khLo; a < khHi; a++) {
              int xRow = xPlane + (top + a * dh) * wd + col - pw;
              int wRow = wBase + a * kw;
              for (int t = 0; t < kw; t++) {
                acc =
                    FloatVector.fromArray(S, x, xRow + t * dw)
                        .fma(FloatVector.broadcast(S, w[wRow + t]), acc);
              }
            }
            if (res != null) {
              acc = acc.add(FloatVector.fromArray(S, res, yRow + col));
            }
            Sgemm.activate(acc, act, p, q).intoArray(y, yRow + col);
          }
          int done = col;
          for (; col < ow; col++) {
            y[yRow + col] = edge(x, xPlane, w, wBase, b0, g, top, khLo, khHi, col);
          }
          finishScalar(y, res, yRow, 0, inLo, act, p, q);
          finishScalar(y, res, yRow, done, ow, act, p, q);
        } else {
          for (; col < ow; col++) {
            float s;
            if (col >= inLo && col < inHi) {
              s = b0;
              int left = col * sw - pw;
              for (int a = khLo; a < khHi; a++) {
                int xRow = xPlane + (top + a * dh) * wd + left;
                int wRow = wBase + a * kw;
                for (int t = 0; t < kw; t++) {
                  s += x[xRow + t * dw] * w[wRow + t];
                }
              }
            } else {
              s = edge(x, xPlane, w, wBase, b0, g, top, khLo, khHi, col);
            }
            y[yRow + col] = s;
          }
          finishScalar(y, res, yRow, 0, ow, act, p, q);
        }
      }
    }
  }

  /** One output with bounds tests on every column tap. */
  private static float edge(
      float[] x,
      int xPlane,
      float[] w,
      int wBase,
      float b0,
      ConvGeometry g,
      int top,
      int khLo,
      int khHi,
      int col) {
    int wd = g.w();
    int kw = g.kw();
    int left = col * g.sw() - g.pw();
    float s = b0;
    for (int a = khLo; a < khHi; a++) {
      int xRow = xPlane + (top + a * g.dh()) * wd;
      int wRow = wBase + a * kw;
      for (int t = 0; t < kw; t++) {
        int ix = left + t * g.dw();
        if (ix >= 0 && ix < wd) {
          s += x[xRow + ix] * w[wRow + t];
        }
      }
    }
    return s;
  }

  private static void finishScalar(
      float[] y, float[] res, int yRow, int from, int to, int act, float p, float q) {
    for (int col = from; col < to; col++) {
      float v = y[yRow + col];
      if (res != null) {
        v += res[yRow + col];
      }
      y[yRow + col] = Activation.apply(act, v, p, q);
    }
  }
}
