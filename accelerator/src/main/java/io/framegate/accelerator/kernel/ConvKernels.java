package io.framegate.accelerator.kernel;

/**
 * Direct N-d convolution (cross-correlation, as ONNX Conv) with a fused bias, residual and
 * activation epilogue. 1-D and 2-D convolutions are passed as 3-D with unit leading dims.
 */
public final class ConvKernels {
  private ConvKernels() {}

  /** Geometry indices. */
  public static final int N = 0;

  public static final int C = 1;
  public static final int D = 2;
  public static final int H = 3;
  public static final int W = 4;

  /** Output channels. */
  public static final int M = 5;

  public static final int KD = 6;
  public static final int KH = 7;
  public static final int KW = 8;
  public static final int OD = 9;
  public static final int OH = 10;
  public static final int OW = 11;
  public static final int SD = 12;
  public static final int SH = 13;
  public static final int SW = 14;

  /** Begin pads; end pads are implied by the output size. */
  public static final int PD = 15;

  public static final int PH = 16;
  public static final int PW = 17;

  /** Dilations. */
  public static final int DD = 18;

  public static final int DH = 19;
  public static final int DW = 20;
  public static final int GROUP = 21;

  /** 1 when {@code bias} is read. */
  public static final int HAS_BIAS = 22;

  /** 1 when {@code res} is read. */
  public static final int HAS_RES = 23;

  public static final int GEOMETRY_LENGTH = 24;

  /**
   * C(n,m,j,k,l) = act(b(m) + Σ_c Σ_{p,q,r} I(n, g·C/G+c, jS−P+pΔ, kS−P+qΔ, lS−P+rΔ)·K(m,c,p,q,r) +
   * R(n,m,j,k,l)); output size ⌊(J+2P−Δ(M−1)−1)/S⌋+1 per axis (chosen by the caller).
   *
   * <p>Range: i ∈ [0, N·M·OD), i = (n·M+m)·OD+od; each i writes one [OH][OW] output plane. The
   * plane is accumulated tap by tap (weight-stationary) so the innermost loop runs along an output
   * row, over exactly the columns whose input position is inside the image; no per-tap bounds
   * tests.
   */
  public static void conv(
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int[] g,
      int act,
      float a,
      float b,
      int lo,
      int hi) {
    int inC = g[C];
    int inD = g[D];
    int inH = g[H];
    int inW = g[W];
    int outC = g[M];
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
    int groups = g[GROUP];
    int hasBias = g[HAS_BIAS];
    int hasRes = g[HAS_RES];
    int cPerGroup = inC / groups;
    int mPerGroup = outC / groups;
    int plane = oH * oW;
    int inPlane = inH * inW;
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int od = i % oD;
      int nm = i / oD;
      int m = nm % outC;
      int n = nm / outC;
      int yBase = i * plane;
      float init = hasBias != 0 ? bias[m] : 0f;
      for (int p = 0; p < plane; p++) {
        y[yBase + p] = init;
      }
      int dStart = od * sD - pD;
      int kdLo = firstInside(dStart, dD);
      int kdHi = endInside(dStart, dD, inD, kD);
      int xChannel0 = n * inC + (m / mPerGroup) * cPerGroup;
      for (int c = 0; c < cPerGroup; c++) {
        int xDepth0 = (xChannel0 + c) * inD;
        int wChannel = (m * cPerGroup + c) * kD;
        for (int kd = kdLo; kd < kdHi; kd++) {
          int xPlane = (xDepth0 + dStart + kd * dD) * inPlane;
          int wPlane = (wChannel + kd) * kH;
          for (int kh = 0; kh < kH; kh++) {
            int offH = kh * dH - pH;
            int ohLo = firstInside(offH, sH);
            int ohHi = endInside(offH, sH, inH, oH);
            int wRow = (wPlane + kh) * kW;
            for (int kw = 0; kw < kW; kw++) {
              float wv = w[wRow + kw];
              int offW = kw * dW - pW;
              int owLo = firstInside(offW, sW);
              int owHi = endInside(offW, sW, inW, oW);
              for (int oh = ohLo; oh < ohHi; oh++) {
                int xRow = xPlane + (oh * sH + offH) * inW + offW;
                int yRow = yBase + oh * oW;
                if (sW == 1) {
                  // Unit stride: a contiguous multiply-add the JIT can vectorize.
                  for (int ow = owLo; ow < owHi; ow++) {
                    y[yRow + ow] += wv * x[xRow + ow];
                  }
                } else {
                  for (int ow = owLo; ow < owHi; ow++) {
                    y[yRow + ow] += wv * x[xRow + ow * sW];
                  }
                }
              }
            }
          }
        }
      }
      for (int p = 0; p < plane; p++) {
        float v = y[yBase + p];
        if (hasRes != 0) {
          v += res[yBase + p];
        }
        y[yBase + p] = Activation.apply(act, v, a, b);
      }
    }
  }

  /** Smallest t ≥ 0 with off + t·step ≥ 0 (step > 0). */
  static int firstInside(int off, int step) {
    return off >= 0 ? 0 : (-off + step - 1) / step;
  }

  /** One past the largest t < count with off + t·step < size, or 0 if none (step > 0). */
  static int endInside(int off, int step, int size, int count) {
    int last = size - 1 - off;
    return last < 0 ? 0 : Math.min(count, last / step + 1);
  }
}
