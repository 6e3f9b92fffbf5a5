package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise convolution (one filter per channel), one plane at a time. The input plane is first
 * copied into scratch with its zero padding made explicit and its columns split by phase modulo the
 * stride ({@code X_r(i, j) = X(i − P, S·j + r − P)}), so that every tap of a row of outputs is a
 * contiguous vector load with no bounds tests, for any stride and dilation.
 */
final class DepthwiseKernels {
  private DepthwiseKernels() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /** Lane l takes lane 2·(l mod VL/2): the even lanes, twice. */
  private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, l -> 2 * (l % (VL / 2)));

  /** The upper half of the lanes. */
  private static final VectorMask<Float> UPPER = VectorMask.fromLong(S, -1L << (VL / 2));

  /** Rows of the padded plane. */
  static int paddedRows(ConvGeometry g) {
    return (g.oh() - 1) * g.sh() + (g.kh() - 1) * g.dh() + 1;
  }

  /** Columns of one phase of the padded plane: every output vector, even the last, fits. */
  static int phaseWidth(ConvGeometry g) {
    int outCols = (g.ow() + VL - 1) / VL * VL;
    return outCols + ((g.kw() - 1) * g.dw()) / g.sw() + 1;
  }

  /** Floats of scratch one plane needs. */
  static int scratchFloats(ConvGeometry g) {
    return paddedRows(g) * g.sw() * phaseWidth(g);
  }

  /**
   * C(c, j, k) = act(b(c) + Σ_{p,q} I(c, jS−P+pΔ, kS−P+qΔ)·K(c, p, q) + R(c, j, k)), zero outside
   * the image; for plane {@code i} (= n·C + c) with scratch {@code xp} of {@link #scratchFloats}.
   */
  static void plane(
      ConvGeometry g,
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int act,
      float p,
      float q,
      int i,
      float[] xp) {
    int kh = g.kh();
    int kw = g.kw();
    int oh = g.oh();
    int ow = g.ow();
    int sh = g.sh();
    int sw = g.sw();
    int dh = g.dh();
    int dw = g.dw();
    int pw = phaseWidth(g);
    int rowStride = sw * pw;
    int c = i % g.c();
    padPlane(g, x, i, xp, 0f);
    int wBase = c * kh * kw;
    float b0 = bias == null ? 0f : bias[c];
    boolean vectorAct = Sgemm.vectorActivation(act);
    int yPlane = i * oh * ow;
    boolean three = kh == 3 && kw == 3;
    FloatVector w0 = FloatVector.broadcast(S, w[wBase]);
    FloatVector w1 = three ? FloatVector.broadcast(S, w[wBase + 1]) : w0;
    FloatVector w2 = three ? FloatVector.broadcast(S, w[wBase + 2]) : w0;
    FloatVector w3 = three ? FloatVector.broadcast(S, w[wBase + 3]) : w0;
    FloatVector w4 = three ? FloatVector.broadcast(S, w[wBase + 4]) : w0;
    FloatVector w5 = three ? FloatVector.broadcast(S, w[wBase + 5]) : w0;
    FloatVector w6 = three ? FloatVector.broadcast(S, w[wBase + 6]) : w0;
    FloatVector w7 = three ? FloatVector.broadcast(S, w[wBase + 7]) : w0;
    FloatVector w8 = three ? FloatVector.broadcast(S, w[wBase + 8]) : w0;
    // column offsets of the three taps of a 3×3 row in the phase-split plane
    int t1 = (dw % sw) * pw + dw / sw;
    int t2 = ((2 * dw) % sw) * pw + (2 * dw) / sw;
    for (int row = 0; row < oh; row++) {
      int yRow = yPlane + row * ow;
      for (int col = 0; col < ow; col += VL) {
        FloatVector acc = FloatVector.broadcast(S, b0);
        if (three) {
          int r0 = row * sh * rowStride + col;
          int r1 = r0 + dh * rowStride;
          int r2 = r1 + dh * rowStride;
          acc = FloatVector.fromArray(S, xp, r0).fma(w0, acc);
          acc = FloatVector.fromArray(S, xp, r0 + t1).fma(w1, acc);
          acc = FloatVector.fromArray(S, xp, r0 + t2).fma(w2, acc);
          acc = FloatVector.fromArray(S, xp, r1).fma(w3, acc);
          acc = FloatVector.fromArray(S, xp, r1 + t1).fma(w4, acc);
          acc = FloatVector.fromArray(S, xp, r1 + t2).fma(w5, acc);
          acc = FloatVector.fromArray(S, xp, r2).fma(w6, acc);
          acc = FloatVector.fromArray(S, xp, r2 + t1).fma(w7, acc);
          acc = FloatVector.fromArray(S, xp, r2 + t2).fma(w8, acc);
        } else {
          for (int a = 0; a < kh; a++) {
            int src = (row * sh + a * dh) * rowStride + col;
            int wRow = wBase + a * kw;
            for (int t = 0; t < kw; t++) {
              int tap = t * dw;
              int off = src + (tap % sw) * pw + tap / sw;
              acc =
                  FloatVector.fromArray(S, xp, off).fma(FloatVector.broadcast(S, w[wRow + t]), acc);
            }
          }
        }
        int n = Math.min(VL, ow - col);
        if (n == VL) {
          if (res != null) {
            acc = acc.add(FloatVector.fromArray(S, res, yRow + col));
          }
          acc.intoArray(y, yRow + col);
          if (vectorAct) {
            Sgemm.activate(y, yRow + col, y, yRow + col, act, p, q);
          } else {
            finishScalar(y, yRow + col, VL, act, p, q);
          }
        } else {
          VectorMask<Float> m = S.indexInRange(0, n);
          if (res != null) {
            acc = acc.add(FloatVector.fromArray(S, res, yRow + col, m));
          }
          // the row's last few outputs: the activation in scalars, so no mask crosses a call
          acc.intoArray(y, yRow + col, m);
          finishScalar(y, yRow + col, n, act, p, q);
        }
      }
    }
  }

  /**
   * Copies plane {@code i} (= n·C + c) of x into {@code xp} padded and phase-split: row t, phase r,
   * column j holds X(t − PH, S·j + r − PW), or {@code fill} outside the image. Rows are {@code
   * S·phaseWidth} floats apart.
   */
  static void padPlane(ConvGeometry g, float[] x, int i, float[] xp, float fill) {
    padPlane(x, i, 1, g.h(), g.w(), g.ph(), g.pw(), g.sw(), paddedRows(g), phaseWidth(g), xp, fill);
  }

  /**
   * As {@link #padPlane(ConvGeometry, float[], int, float[], float)} for an h×wd plane padded by
   * (padTop, padLeft), split into {@code sw} phases of {@code pw} columns, over {@code rows} rows,
   * from x in the plain layout ({@code unit} 1) or the {@link Blocked blocked} one ({@code unit}
   * VL: channel i's values are VL floats apart).
   */
  static void padPlane(
      float[] x,
      int i,
      int unit,
      int h,
      int wd,
      int padTop,
      int padLeft,
      int sw,
      int rows,
      int pw,
      float[] xp,
      float fill) {
    int rowStride = sw * pw;
    int xPlane = (i - i % unit) * h * wd + i % unit;
    // the padded, phase-split copy: row t, phase r, column j ↔ X(t − PH, S·j + r − PW)
    for (int t = 0; t < rows; t++) {
      int ih = t - padTop;
      int xRow = xPlane + ih * wd * unit;
      for (int r = 0; r < sw; r++) {
        int dst = t * rowStride + r * pw;
        int first = r - padLeft;
        int lo = 0;
        int hi = 0;
        if (ih >= 0 && ih < h) {
          lo = Math.min(pw, Im2col.firstInside(first, sw));
          hi = Math.max(lo, Im2col.endInside(first, sw, wd, pw));
        }
        for (int j = 0; j < lo; j++) {
          xp[dst + j] = fill;
        }
        if (unit > 1) {
          for (int j = lo; j < hi; j++) {
            xp[dst + j] = x[xRow + (sw * j + first) * unit];
          }
        } else if (sw == 1 && hi > lo) {
          System.arraycopy(x, xRow + lo + first, xp, dst + lo, hi - lo);
        } else {
          int j = lo;
          if (sw == 2) {
            // VL outputs from two vectors: their even lanes, while both stay inside the row
            for (; j + VL <= hi && 2 * j + first + 2 * VL <= wd; j += VL) {
              int src = xRow + 2 * j + first;
              FloatVector a = FloatVector.fromArray(S, x, src);
              FloatVector b = FloatVector.fromArray(S, x, src + VL);
              a.rearrange(EVEN).blend(b.rearrange(EVEN), UPPER).intoArray(xp, dst + j);
            }
          }
          for (; j < hi; j++) {
            xp[dst + j] = x[xRow + sw * j + first];
          }
        }
        for (int j = hi; j < pw; j++) {
          xp[dst + j] = fill;
        }
      }
    }
  }

  private static void finishScalar(float[] y, int from, int n, int act, float p, float q) {
    for (int j = from; j < from + n; j++) {
      y[j] = Activation.apply(act, y[j], p, q);
    }
  }
}
