package io.framegate.accelerator.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input and output transforms of Winograd's F(2×2, 3×3) and F(4×4, 3×3) on vectors of VL output
 * blocks: lane l of every vector belongs to block l. An input patch d is (T + 2)×(T + 2) and
 * becomes {@code V = Bᵀ·d·B}; a product M, the same size, becomes the T×T outputs {@code Y =
 * Aᵀ·M·A}. Position (i, j) of a patch or product is its row i (down the image) and column j;
 * transformed position ξ = i·(T + 2) + j.
 *
 * <p>F(4×4, 3×3) uses the interpolation points 0, ±1, ±2 and ∞ (Lavin and Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2016). Each two-dimensional transform runs as one-dimensional
 * transforms of the rows into a scratch area, then of the columns out of it; a one-dimensional
 * transform loads and stores its own vectors, so that no vector crosses a method call (C2 boxes a
 * vector it hands to a method it did not inline).
 */
final class WinogradTransforms {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /** G of F(2×2, 3×3): U = G·g·Gᵀ for a 3×3 kernel g. */
  static final double[][] G2 = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

  /** G of F(4×4, 3×3). */
  static final double[][] G4 = {
    {1 / 4.0, 0, 0},
    {-1 / 6.0, -1 / 6.0, -1 / 6.0},
    {-1 / 6.0, 1 / 6.0, -1 / 6.0},
    {1 / 24.0, 1 / 12.0, 1 / 6.0},
    {1 / 24.0, -1 / 12.0, 1 / 6.0},
    {0, 0, 1}
  };

  /** Offsets of the rows of a 4×4 scratch of vectors, read down one column. */
  private static final int[] COLUMN4 = {0, 4 * VL, 8 * VL, 12 * VL};

  /** Offsets of the rows of a 6×6 scratch of vectors, read down one column. */
  private static final int[] COLUMN6 = {0, 6 * VL, 12 * VL, 18 * VL, 24 * VL, 30 * VL};

  private WinogradTransforms() {}

  /**
   * U_ξ = (G·g·Gᵀ)_ξ for every output channel o and input channel i of the kernels w (M×C×3×3), as
   * {@code u[(ξ·M + o)·C + i]}, computed in double.
   */
  static float[] weights(double[][] gm, float[] w, int m, int c) {
    int span = gm.length;
    float[] u = new float[span * span * m * c];
    double[] s = new double[span * 3];
    for (int o = 0; o < m; o++) {
      for (int i = 0; i < c; i++) {
        int base = (o * c + i) * 9;
        // s = G·g (span×3)
        for (int r = 0; r < span; r++) {
          for (int col = 0; col < 3; col++) {
            s[3 * r + col] =
                gm[r][0] * w[base + col]
                    + gm[r][1] * w[base + 3 + col]
                    + gm[r][2] * w[base + 6 + col];
          }
        }
        // U = s·Gᵀ (span×span)
        for (int r = 0; r < span; r++) {
          for (int col = 0; col < span; col++) {
            double v =
                s[3 * r] * gm[col][0] + s[3 * r + 1] * gm[col][1] + s[3 * r + 2] * gm[col][2];
            u[((r * span + col) * m + o) * c + i] = (float) v;
          }
        }
      }
    }
    return u;
  }

  /**
   * V of F(2×2, 3×3) for VL blocks: patch position (i, j) of block l is {@code src[b + i·rowStride
   * + cols[j] + l]}; V_ξ goes to {@code v[ξ·xiStride + dst]}. {@code tmp} from {@code tb} holds
   * 16·VL floats of scratch.
   */
  static void input2(
      float[] src,
      int b,
      int rowStride,
      int[] cols,
      float[] tmp,
      int tb,
      float[] v,
      int dst,
      int xiStride) {
    for (int i = 0; i < 4; i++) {
      inputLine2(src, b + i * rowStride, cols, tmp, tb + 4 * i * VL, VL);
    }
    for (int j = 0; j < 4; j++) {
      inputLine2(tmp, tb + j * VL, COLUMN4, v, j * xiStride + dst, 4 * xiStride);
    }
  }

  /**
   * Bᵀ·d for the four vectors {@code s[b + off[k]]}, stored at {@code d[j + k·stride]}: the rows of
   * Bᵀ are (1, 0, −1, 0), (0, 1, 1, 0), (0, −1, 1, 0) and (0, 1, 0, −1).
   */
  private static void inputLine2(float[] s, int b, int[] off, float[] d, int j, int stride) {
    FloatVector d0 = FloatVector.fromArray(S, s, b + off[0]);
    FloatVector d1 = FloatVector.fromArray(S, s, b + off[1]);
    FloatVector d2 = FloatVector.fromArray(S, s, b + off[2]);
    FloatVector d3 = FloatVector.fromArray(S, s, b + off[3]);
    d0.sub(d2).intoArray(d, j);
    d1.add(d2).intoArray(d, j + stride);
    d2.sub(d1).intoArray(d, j + 2 * stride);
    d1.sub(d3).intoArray(d, j + 3 * stride);
  }

  /**
   * V of F(4×4, 3×3) for VL blocks, read as {@link #input2} reads; {@code tmp} from {@code tb}
   * holds 36·VL floats of scratch.
   */
  static void input4(
      float[] src,
      int b,
      int rowStride,
      int[] cols,
      float[] tmp,
      int tb,
      float[] v,
      int dst,
      int xiStride) {
    for (int i = 0; i < 6; i++) {
      inputLine4(src, b + i * rowStride, cols, tmp, tb + 6 * i * VL, VL);
    }
    for (int j = 0; j < 6; j++) {
      inputLine4(tmp, tb + j * VL, COLUMN6, v, j * xiStride + dst, 6 * xiStride);
    }
  }

  /**
   * Bᵀ·d for the six vectors {@code s[b + off[k]]}, stored at {@code d[j + k·stride]}: the rows of
   * Bᵀ are (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0),
   * (0, 2, −1, −2, 1, 0) and (0, 4, 0, −5, 0, 1).
   */
  private static void inputLine4(float[] s, int b, int[] off, float[] d, int j, int stride) {
    FloatVector d0 = FloatVector.fromArray(S, s, b + off[0]);
    FloatVector d1 = FloatVector.fromArray(S, s, b + off[1]);
    FloatVector d2 = FloatVector.fromArray(S, s, b + off[2]);
    FloatVector d3 = FloatVector.fromArray(S, s, b + off[3]);
    FloatVector d4 = FloatVector.fromArray(S, s, b + off[4]);
    FloatVector d5 = FloatVector.fromArray(S, s, b + off[5]);
    FloatVector four = FloatVector.broadcast(S, 4f);
    FloatVector minusFour = FloatVector.broadcast(S, -4f);
    FloatVector minusFive = FloatVector.broadcast(S, -5f);
    FloatVector two = FloatVector.broadcast(S, 2f);
    FloatVector minusTwo = FloatVector.broadcast(S, -2f);
    d2.fma(minusFive, d0.fma(four, d4)).intoArray(d, j);
    FloatVector p = d1.add(d2);
    FloatVector q = d3.add(d4);
    p.fma(minusFour, q).intoArray(d, j + stride);
    p = d1.sub(d2);
    q = d4.sub(d3);
    p.fma(four, q).intoArray(d, j + 2 * stride);
    p = d3.sub(d1);
    q = d4.sub(d2);
    p.fma(two, q).intoArray(d, j + 3 * stride);
    p.fma(minusTwo, q).intoArray(d, j + 4 * stride);
    d3.fma(minusFive, d1.fma(four, d5)).intoArray(d, j + 5 * stride);
  }

  /**
   * Y of F(2×2, 3×3) plus the bias for VL blocks: product ξ of block l is {@code mm[s + ξ·xs + l]};
   * output (r, k) goes to {@code ys[yb + (2r + k)·VL + l]}. {@code tmp} from {@code tb} holds 8·VL
   * floats of scratch.
   */
  static void output2(
      float[] mm, int s, int xs, float bias, float[] tmp, int tb, float[] ys, int yb) {
    for (int i = 0; i < 4; i++) {
      outputLine2(mm, s + 4 * i * xs, xs, 0f, tmp, tb + 2 * i * VL, VL);
    }
    for (int k = 0; k < 2; k++) {
      outputLine2(tmp, tb + k * VL, 2 * VL, bias, ys, yb + k * VL, 2 * VL);
    }
  }

  /**
   * Aᵀ·m + bias for the four vectors {@code s[b + k·sStride]}, stored at {@code d[j + r·dStride]}:
   * the rows of Aᵀ are (1, 1, 1, 0) and (0, 1, −1, −1).
   */
  private static void outputLine2(
      float[] s, int b, int sStride, float bias, float[] d, int j, int dStride) {
    FloatVector m0 = FloatVector.fromArray(S, s, b);
    FloatVector m1 = FloatVector.fromArray(S, s, b + sStride);
    FloatVector m2 = FloatVector.fromArray(S, s, b + 2 * sStride);
    FloatVector m3 = FloatVector.fromArray(S, s, b + 3 * sStride);
    FloatVector bv = FloatVector.broadcast(S, bias);
    bv.add(m0).add(m1).add(m2).intoArray(d, j);
    bv.add(m1).sub(m2).sub(m3).intoArray(d, j + dStride);
  }

  /**
   * Y of F(4×4, 3×3) plus the bias, read and written as {@link #output2} does; {@code tmp} from
   * {@code tb} holds 24·VL floats of scratch.
   */
  static void output4(
      float[] mm, int s, int xs, float bias, float[] tmp, int tb, float[] ys, int yb) {
    for (int i = 0; i < 6; i++) {
      outputLine4(mm, s + 6 * i * xs, xs, 0f, tmp, tb + 4 * i * VL, VL);
    }
    for (int k = 0; k < 4; k++) {
      outputLine4(tmp, tb + k * VL, 4 * VL, bias, ys, yb + k * VL, 4 * VL);
    }
  }

  /**
   * Aᵀ·m + bias for the six vectors {@code s[b + k·sStride]}, stored at {@code d[j + r·dStride]}:
   * the rows of Aᵀ are (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0) and (0, 1, −1,
   * 8, −8, 1).
   */
  private static void outputLine4(
      float[] s, int b, int sStride, float bias, float[] d, int j, int dStride) {
    FloatVector m0 = FloatVector.fromArray(S, s, b);
    FloatVector m1 = FloatVector.fromArray(S, s, b + sStride);
    FloatVector m2 = FloatVector.fromArray(S, s, b + 2 * sStride);
    FloatVector m3 = FloatVector.fromArray(S, s, b + 3 * sStride);
    FloatVector m4 = FloatVector.fromArray(S, s, b + 4 * sStride);
    FloatVector m5 = FloatVector.fromArray(S, s, b + 5 * sStride);
    FloatVector sum12 = m1.add(m2);
    FloatVector dif12 = m1.sub(m2);
    FloatVector sum34 = m3.add(m4);
    FloatVector dif34 = m3.sub(m4);
    FloatVector bv = FloatVector.broadcast(S, bias);
    bv.add(m0).add(sum12).add(sum34).intoArray(d, j);
    dif34.fma(FloatVector.broadcast(S, 2f), dif12.add(bv)).intoArray(d, j + dStride);
    sum34.fma(FloatVector.broadcast(S, 4f), sum12.add(bv)).intoArray(d, j + 2 * dStride);
    dif34.fma(FloatVector.broadcast(S, 8f), dif12.add(m5).add(bv)).intoArray(d, j + 3 * dStride);
  }
}
