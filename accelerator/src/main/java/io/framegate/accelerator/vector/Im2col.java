package io.framegate.accelerator.vector;

import jdk.incubator.vector.FloatVector;

/** Lowering of a convolution's input to the B operand of {@link Sgemm}, packed as it is read. */
final class Im2col {
  private Im2col() {}

  /**
   * col(l, j) = I(c, jh·S−P+ki·Δ, jw·S−P+kj·Δ) with l = k0 + kk = (c·KH + ki)·KW + kj and output
   * position j = p0 + jj = jh·OW + jw, zero outside the image, for kk &lt; kc and p0 ≤ j &lt; p1,
   * written as NR-column panels {@code dst[(dstPanel + jj/NR)·panelStride + (k0 − kOrigin + kk)·NR
   * + jj%NR]}; the last panel is zero-padded. {@code xBase} is the offset of the image's and
   * group's first input channel. With a column stride S &gt; 1 the input must be in the layout of
   * {@link #splitPhases} ({@code phaseW} columns per phase), which makes every run of outputs a
   * contiguous copy; with S = 1 it is plain (phaseW = W).
   */
  static void pack(
      float[] x,
      int xBase,
      int phaseW,
      ConvGeometry g,
      int k0,
      int kc,
      int p0,
      int p1,
      float[] dst,
      int panelStride,
      int kOrigin,
      int dstPanel) {
    int h = g.h();
    int w = g.w();
    int kw = g.kw();
    int area = g.kh() * kw;
    int ow = g.ow();
    int sh = g.sh();
    int sw = g.sw();
    int nr = Sgemm.NR;
    int mask = nr - 1;
    int cols = p1 - p0;
    int padded = (cols + mask) & ~mask;
    int startRow = p0 / ow;
    int startCol = p0 - startRow * ow;
    boolean plain = area == 1 && sh == 1 && sw == 1 && g.ph() == 0 && g.pw() == 0;
    for (int kk = 0; kk < kc; kk++) {
      int l = k0 + kk;
      int c = l / area;
      int r = l - c * area;
      int ki = r / kw;
      int kj = r - ki * kw;
      int rowLen = sw * phaseW;
      int xc = xBase + c * h * rowLen;
      int dRow = dstPanel * panelStride + (l - kOrigin) * nr;
      if (plain) {
        // a 1×1 convolution's column matrix is its input
        copy(x, xc + p0, dst, 0, cols, panelStride, dRow);
      } else {
        int offH = ki * g.dh() - g.ph();
        int offW = kj * g.dw() - g.pw();
        int jh = startRow;
        int jw = startCol;
        int j = 0;
        while (j < cols) {
          int run = Math.min(cols - j, ow - jw);
          int ih = jh * sh + offH;
          int inLo = run;
          int inHi = run;
          int src = 0;
          if (ih >= 0 && ih < h) {
            int first = jw * sw + offW;
            inLo = Math.min(run, firstInside(first, sw));
            inHi = Math.max(inLo, endInside(first, sw, w, run));
            // input column first + t·S is column ⌊first/S⌋ + t of phase first mod S
            src = xc + ih * rowLen + Math.floorMod(first, sw) * phaseW + Math.floorDiv(first, sw);
          }
          zero(dst, j, inLo, panelStride, dRow);
          copy(x, src + inLo, dst, j + inLo, inHi - inLo, panelStride, dRow);
          zero(dst, j + inHi, run - inHi, panelStride, dRow);
          j += run;
          jw = 0;
          jh++;
        }
      }
      zero(dst, cols, padded - cols, panelStride, dRow);
    }
  }

  /** Copies x[src, src+len) to columns [j, j+len) of row dRow of the panels, panel by panel. */
  private static void copy(
      float[] x, int src, float[] dst, int j, int len, int panelStride, int dRow) {
    int nr = Sgemm.NR;
    while (len > 0) {
      int lane = j & (nr - 1);
      int n = Math.min(len, nr - lane);
      int d = (j >> Sgemm.NR_SHIFT) * panelStride + dRow + lane;
      if (n == nr) {
        FloatVector.fromArray(Sgemm.S, x, src).intoArray(dst, d);
        FloatVector.fromArray(Sgemm.S, x, src + Sgemm.VL).intoArray(dst, d + Sgemm.VL);
      } else {
        for (int t = 0; t < n; t++) {
          dst[d + t] = x[src + t];
        }
      }
      src += n;
      j += n;
      len -= n;
    }
  }

  /** Columns per phase of {@link #splitPhases}. */
  static int phaseWidth(ConvGeometry g) {
    return (g.w() + g.sw() - 1) / g.sw();
  }

  /**
   * X'(i, r, S·phaseW·row + r·phaseW + j) = X(i, row, S·j + r) for planes i ∈ [lo, hi): each row's
   * columns grouped by their phase modulo the column stride S (slots past the row are zero).
   */
  static void splitPhases(ConvGeometry g, float[] x, float[] out, int lo, int hi) {
    int h = g.h();
    int w = g.w();
    int sw = g.sw();
    int pw = phaseWidth(g);
    for (int i = lo; i < hi; i++) {
      for (int row = 0; row < h; row++) {
        int src = (i * h + row) * w;
        int dst = (i * h + row) * sw * pw;
        for (int r = 0; r < sw; r++, dst += pw) {
          for (int j = 0; j < pw; j++) {
            int col = sw * j + r;
            out[dst + j] = col < w ? x[src + col] : 0f;
          }
        }
      }
    }
  }

  /** Zeroes columns [j, j+len) of row dRow of the panels. */
  private static void zero(float[] dst, int j, int len, int panelStride, int dRow) {
    int nr = Sgemm.NR;
    while (len > 0) {
      int lane = j & (nr - 1);
      int n = Math.min(len, nr - lane);
      int d = (j >> Sgemm.NR_SHIFT) * panelStride + dRow + lane;
      for (int t = 0; t < n; t++) {
        dst[d + t] = 0f;
      }
      j += n;
      len -= n;
    }
  }

  /** Smallest t ≥ 0 with off + t·step ≥ 0 (step &gt; 0). */
  static int firstInside(int off, int step) {
    return off >= 0 ? 0 : (-off + step - 1) / step;
  }

  /** One past the largest t &lt; count with off + t·step &lt; size, or 0 if none. */
  static int endInside(int off, int step, int size, int count) {
    int last = size - 1 - off;
    return last < 0 ? 0 : Math.min(count, last / step + 1);
  }
}
