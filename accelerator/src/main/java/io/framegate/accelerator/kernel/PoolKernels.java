package io.framegate.accelerator.kernel;

/** Windowed and global pooling over [N][C][D][H][W] (1-D and 2-D as 3-D with unit dims). */
public final class PoolKernels {
  private PoolKernels() {}

  /** Geometry indices. */
  public static final int N = 0;

  public static final int C = 1;
  public static final int D = 2;
  public static final int H = 3;
  public static final int W = 4;
  public static final int KD = 5;
  public static final int KH = 6;
  public static final int KW = 7;
  public static final int OD = 8;
  public static final int OH = 9;
  public static final int OW = 10;
  public static final int SD = 11;
  public static final int SH = 12;
  public static final int SW = 13;

  /** Begin pads. */
  public static final int PD = 14;

  public static final int PH = 15;
  public static final int PW = 16;

  /** Dilations. */
  public static final int DD = 17;

  public static final int DH = 18;
  public static final int DW = 19;

  /** End pads (they only matter to the average divisor with count_include_pad). */
  public static final int PD_END = 20;

  public static final int PH_END = 21;
  public static final int PW_END = 22;
  public static final int GEOMETRY_LENGTH = 23;

  /**
   * Y(j,k,l) = max_{p,q,r} I(jS−P+pΔ, kS−P+qΔ, lS−P+rΔ) over in-range taps only; range i ∈ [0,
   * N·C·OD), i = nc·OD+od. A window with no in-range tap yields −∞.
   */
  public static void maxPool(float[] x, float[] y, int[] g, int lo, int hi) {
    int inD = g[D];
    int inH = g[H];
    int inW = g[W];
    int kD = g[KD];
    int kH = g[KH];
    int kW = g[KW];
    int oD = g[OD];
    int oH = g[OH];
    int oW = g[OW];
    int sD = g[SD];
    int sH = g[SH];
    int sW = g[SW];
    int dD = g[DD];
    int dH = g[DH];
    int dW = g[DW];
    int inPlane = inH * inW;
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int od = i % oD;
      int nc = i / oD;
      int dStart = od * sD - g[PD];
      int kdLo = ConvKernels.firstInside(dStart, dD);
      int kdHi = ConvKernels.endInside(dStart, dD, inD, kD);
      int xVolume = nc * inD * inPlane;
      int yPlane = i * oH * oW;
      for (int oh = 0; oh < oH; oh++) {
        int hStart = oh * sH - g[PH];
        int khLo = ConvKernels.firstInside(hStart, dH);
        int khHi = ConvKernels.endInside(hStart, dH, inH, kH);
        for (int ow = 0; ow < oW; ow++) {
          int wStart = ow * sW - g[PW];
          int kwLo = ConvKernels.firstInside(wStart, dW);
          int kwHi = ConvKernels.endInside(wStart, dW, inW, kW);
          float best = Float.NEGATIVE_INFINITY;
          for (int kd = kdLo; kd < kdHi; kd++) {
            int xPlane = xVolume + (dStart + kd * dD) * inPlane;
            for (int kh = khLo; kh < khHi; kh++) {
              int xRow = xPlane + (hStart + kh * dH) * inW + wStart;
              for (int kw = kwLo; kw < kwHi; kw++) {
                best = Math.max(best, x[xRow + kw * dW]);
              }
            }
          }
          y[yPlane + oh * oW + ow] = best;
        }
      }
    }
  }

  /**
   * Y(j,k,l) = Σ I(jS−P+pΔ, …) / count over in-range taps; count = in-range taps
   * (countIncludePad=0) or taps inside [−P_begin, size+P_end) per axis (countIncludePad=1), so taps
   * beyond the end padding that ceil mode creates never count. Range i ∈ [0, N·C·OD).
   */
  public static void avgPool(float[] x, float[] y, int[] g, int countIncludePad, int lo, int hi) {
    int inD = g[D];
    int inH = g[H];
    int inW = g[W];
    int kD = g[KD];
    int kH = g[KH];
    int kW = g[KW];
    int oD = g[OD];
    int oH = g[OH];
    int oW = g[OW];
    int sD = g[SD];
    int sH = g[SH];
    int sW = g[SW];
    int pD = g[PD];
    int pH = g[PH];
    int pW = g[PW];
    int dD = g[DD];
    int dH = g[DH];
    int dW = g[DW];
    int padD = inD + pD + g[PD_END];
    int padH = inH + pH + g[PH_END];
    int padW = inW + pW + g[PW_END];
    int inPlane = inH * inW;
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int od = i % oD;
      int nc = i / oD;
      int dStart = od * sD - pD;
      int kdLo = ConvKernels.firstInside(dStart, dD);
      int kdHi = ConvKernels.endInside(dStart, dD, inD, kD);
      int padCountD =
          ConvKernels.endInside(dStart + pD, dD, padD, kD)
              - ConvKernels.firstInside(dStart + pD, dD);
      int xVolume = nc * inD * inPlane;
      int yPlane = i * oH * oW;
      for (int oh = 0; oh < oH; oh++) {
        int hStart = oh * sH - pH;
        int khLo = ConvKernels.firstInside(hStart, dH);
        int khHi = ConvKernels.endInside(hStart, dH, inH, kH);
        int padCountH =
            ConvKernels.endInside(hStart + pH, dH, padH, kH)
                - ConvKernels.firstInside(hStart + pH, dH);
        for (int ow = 0; ow < oW; ow++) {
          int wStart = ow * sW - pW;
          int kwLo = ConvKernels.firstInside(wStart, dW);
          int kwHi = ConvKernels.endInside(wStart, dW, inW, kW);
          float sum = 0f;
          for (int kd = kdLo; kd < kdHi; kd++) {
            int xPlane = xVolume + (dStart + kd * dD) * inPlane;
            for (int kh = khLo; kh < khHi; kh++) {
              int xRow = xPlane + (hStart + kh * dH) * inW + wStart;
              for (int kw = kwLo; kw < kwHi; kw++) {
                sum += x[xRow + kw * dW];
              }
            }
          }
          int count;
          if (countIncludePad != 0) {
            int padCountW =
                ConvKernels.endInside(wStart + pW, dW, padW, kW)
                    - ConvKernels.firstInside(wStart + pW, dW);
            count = padCountD * padCountH * padCountW;
          } else {
            count = Math.max(0, kdHi - kdLo) * Math.max(0, khHi - khLo) * Math.max(0, kwHi - kwLo);
          }
          y[yPlane + oh * oW + ow] = sum / count;
        }
      }
    }
  }

  /** Y(nc) = (1/S)·Σ_s X(nc, s); range i ∈ [0, N·C). */
  public static void globalAvgPool(float[] x, float[] y, int spatial, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int base = i * spatial;
      float sum = 0f;
      for (int s = 0; s < spatial; s++) {
        sum += x[base + s];
      }
      y[i] = sum / spatial;
    }
  }

  /** Y(nc) = max_s X(nc, s); range i ∈ [0, N·C). */
  public static void globalMaxPool(float[] x, float[] y, int spatial, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int base = i * spatial;
      float best = Float.NEGATIVE_INFINITY;
      for (int s = 0; s < spatial; s++) {
        best = Math.max(best, x[base + s]);
      }
      y[i] = best;
    }
  }
}
