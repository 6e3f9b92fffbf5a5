package io.framegate.accelerator.vector;

/** Lowering of a convolution's input to the B operand of {@link Sgemm}, packed as it is read. */
final class Im2col {
  private Im2col() {}

  /**
   * col(l, j) = I(c, jh·S−P+ki·Δ, jw·S−P+kj·Δ) with l = k0 + kk = (c·KH + ki)·KW + kj and output
   * position j = p0 + jj = jh·OW + jw, zero outside the image, for kk &lt; kc and p0 ≤ j &lt; p1,
   * written as NR-column panels {@code dst[(jj/NR)·kc·NR + kk·NR + jj%NR]}; the last panel is
   * zero-padded. {@code xBase} is the offset of the group's first input channel.
   */
  static void pack(
      float[] x, int xBase, ConvGeometry g, int k0, int kc, int p0, int p1, float[] dst) {
    int h = g.h();
    int w = g.w();
    int kw = g.kw();
    int area = g.kh() * kw;
    int ow = g.ow();
    int sh = g.sh();
    int sw = g.sw();
    int nr = Sgemm.NR;
    int shift = Sgemm.NR_SHIFT;
    int mask = nr - 1;
    int panelStride = kc * nr;
    int cols = p1 - p0;
    int padded = (cols + mask) & ~mask;
    int startRow = p0 / ow;
    int startCol = p0 - startRow * ow;
    for (int kk = 0; kk < kc; kk++) {
      int l = k0 + kk;
      int c = l / area;
      int r = l - c * area;
      int ki = r / kw;
      int kj = r - ki * kw;
      int xc = xBase + c * h * w;
      int offH = ki * g.dh() - g.ph();
      int offW = kj * g.dw() - g.pw();
      int dRow = kk * nr;
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
          src = xc + ih * w + first;
        }
        for (int t = 0; t < inLo; t++) {
          int jj = j + t;
          dst[(jj >> shift) * panelStride + dRow + (jj & mask)] = 0f;
        }
        if (sw == 1) {
          for (int t = inLo; t < inHi; t++) {
            int jj = j + t;
            dst[(jj >> shift) * panelStride + dRow + (jj & mask)] = x[src + t];
          }
        } else {
          for (int t = inLo; t < inHi; t++) {
            int jj = j + t;
            dst[(jj >> shift) * panelStride + dRow + (jj & mask)] = x[src + t * sw];
          }
        }
        for (int t = inHi; t < run; t++) {
          int jj = j + t;
          dst[(jj >> shift) * panelStride + dRow + (jj & mask)] = 0f;
        }
        j += run;
        jw = 0;
        jh++;
      }
      for (int jj = cols; jj < padded; jj++) {
        dst[(jj >> shift) * panelStride + dRow + (jj & mask)] = 0f;
      }
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
