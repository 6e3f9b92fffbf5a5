package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed-panel matrix product at the heart of the fast backend: {@code C[MR×NR] (+)= Σ_k
 * A(k)[MR] ⊗ B(k)[NR]}, a register tile of MR rows × two vectors, with A packed as MR-row panels
 * ({@code [panel][k][MR]}) and B as NR-column panels ({@code [panel][k][NR]}), so both are read
 * sequentially. The epilogue (bias or the previous partial sum, residual, activation) is applied
 * while the tile is still in registers.
 */
public final class Sgemm {
  private Sgemm() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int VL = S.length();

  /** Rows of the register tile: 6 rows × 2 vectors = 12 accumulators of the 16 AVX registers. */
  static final int MR = 6;

  /** Columns of the register tile. */
  static final int NR = 2 * VL;

  static final int NR_SHIFT = Integer.numberOfTrailingZeros(NR);

  /** Reduction block: a B block of KC×NC floats stays in L2, an A panel of MR×KC in L1. */
  static final int KC = 256;

  /** Column block, a multiple of NR. */
  static final int NC = 12 * NR;

  /** Floats of packed B one worker needs. */
  static final int PACKED_B_FLOATS = KC * NC;

  /** The vector width in floats on this machine. */
  public static int vectorLength() {
    return VL;
  }

  /**
   * Packs {@code rows} rows of a row-major matrix (row length k, starting at {@code off}) into
   * MR-row panels {@code [panel][k][MR]}, zero-padding the last panel.
   */
  static float[] packA(float[] a, int off, int rows, int k) {
    int panels = (rows + MR - 1) / MR;
    float[] out = new float[panels * k * MR];
    for (int r = 0; r < rows; r++) {
      int panel = r / MR;
      int lane = r % MR;
      int src = off + r * k;
      int dst = panel * k * MR + lane;
      for (int l = 0; l < k; l++) {
        out[dst + l * MR] = a[src + l];
      }
    }
    return out;
  }

  /** Whether {@link #tile} applies {@code act} with vector operations (others run scalar). */
  static boolean vectorActivation(int act) {
    return act == Activation.NONE
        || act == Activation.IDENTITY
        || act == Activation.RELU
        || act == Activation.CLIP
        || act == Activation.LEAKY_RELU;
  }

  /**
   * C(r, j) = e(Σ_{l<kc} A(l, r)·B(l, j)) for r &lt; rows, j &lt; cols, where {@code e} adds {@code
   * bias[biasOff + r]} (first block) or the stored partial sum (later blocks) and, in the last
   * block, the residual R (same layout as C) and the activation. A is at {@code a[aOff + l·MR +
   * r]}, B at {@code b[bOff + l·NR + j]}, C at {@code c[cOff + r·ldc + j]}.
   */
  static void tile(
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      int rows,
      int cols,
      float[] bias,
      int biasOff,
      boolean first,
      boolean last,
      float[] res,
      int act,
      float p,
      float q) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    int ai = aOff;
    int bi = bOff;
    for (int l = 0; l < kc; l++, ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector av = FloatVector.broadcast(S, a[ai]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(S, a[ai + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(S, a[ai + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(S, a[ai + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(S, a[ai + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(S, a[ai + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    int o = cOff;
    if (rows == MR && cols == NR) {
      store(c00, c, o, bias, biasOff, first, last, res, act, p, q);
      store(c01, c, o + VL, bias, biasOff, first, last, res, act, p, q);
      o += ldc;
      store(c10, c, o, bias, biasOff + 1, first, last, res, act, p, q);
      store(c11, c, o + VL, bias, biasOff + 1, first, last, res, act, p, q);
      o += ldc;
      store(c20, c, o, bias, biasOff + 2, first, last, res, act, p, q);
      store(c21, c, o + VL, bias, biasOff + 2, first, last, res, act, p, q);
      o += ldc;
      store(c30, c, o, bias, biasOff + 3, first, last, res, act, p, q);
      store(c31, c, o + VL, bias, biasOff + 3, first, last, res, act, p, q);
      o += ldc;
      store(c40, c, o, bias, biasOff + 4, first, last, res, act, p, q);
      store(c41, c, o + VL, bias, biasOff + 4, first, last, res, act, p, q);
      o += ldc;
      store(c50, c, o, bias, biasOff + 5, first, last, res, act, p, q);
      store(c51, c, o + VL, bias, biasOff + 5, first, last, res, act, p, q);
      return;
    }
    // a partial tile at the bottom or right edge
    int n0 = Math.min(cols, VL);
    int n1 = cols - n0;
    storePartial(c00, c01, n0, n1, c, o, bias, biasOff, first, last, res, act, p, q);
    if (rows > 1) {
      storePartial(c10, c11, n0, n1, c, o + ldc, bias, biasOff + 1, first, last, res, act, p, q);
    }
    if (rows > 2) {
      storePartial(
          c20, c21, n0, n1, c, o + 2 * ldc, bias, biasOff + 2, first, last, res, act, p, q);
    }
    if (rows > 3) {
      storePartial(
          c30, c31, n0, n1, c, o + 3 * ldc, bias, biasOff + 3, first, last, res, act, p, q);
    }
    if (rows > 4) {
      storePartial(
          c40, c41, n0, n1, c, o + 4 * ldc, bias, biasOff + 4, first, last, res, act, p, q);
    }
    if (rows > 5) {
      storePartial(
          c50, c51, n0, n1, c, o + 5 * ldc, bias, biasOff + 5, first, last, res, act, p, q);
    }
  }

  private static void storePartial(
      FloatVector v0,
      FloatVector v1,
      int n0,
      int n1,
      float[] c,
      int o,
      float[] bias,
      int biasOff,
      boolean first,
      boolean last,
      float[] res,
      int act,
      float p,
      float q) {
    if (n0 == VL) {
      store(v0, c, o, bias, biasOff, first, last, res, act, p, q);
    } else {
      storeMasked(v0, n0, c, o, bias, biasOff, first, last, res, act, p, q);
    }
    if (n1 == VL) {
      store(v1, c, o + VL, bias, biasOff, first, last, res, act, p, q);
    } else if (n1 > 0) {
      storeMasked(v1, n1, c, o + VL, bias, biasOff, first, last, res, act, p, q);
    }
  }

  private static void store(
      FloatVector v,
      float[] c,
      int o,
      float[] bias,
      int biasOff,
      boolean first,
      boolean last,
      float[] res,
      int act,
      float p,
      float q) {
    v = first ? v.add(bias[biasOff]) : v.add(FloatVector.fromArray(S, c, o));
    if (last) {
      if (res != null) {
        v = v.add(FloatVector.fromArray(S, res, o));
      }
      if (vectorActivation(act)) {
        activate(v, act, p, q).intoArray(c, o);
      } else {
        v.intoArray(c, o);
        for (int j = 0; j < VL; j++) {
          c[o + j] = Activation.apply(act, c[o + j], p, q);
        }
      }
    } else {
      v.intoArray(c, o);
    }
  }

  private static void storeMasked(
      FloatVector v,
      int n,
      float[] c,
      int o,
      float[] bias,
      int biasOff,
      boolean first,
      boolean last,
      float[] res,
      int act,
      float p,
      float q) {
    VectorMask<Float> m = S.indexInRange(0, n);
    v = first ? v.add(bias[biasOff]) : v.add(FloatVector.fromArray(S, c, o, m));
    if (last) {
      if (res != null) {
        v = v.add(FloatVector.fromArray(S, res, o, m));
      }
      if (vectorActivation(act)) {
        activate(v, act, p, q).intoArray(c, o, m);
      } else {
        v.intoArray(c, o, m);
        for (int j = 0; j < n; j++) {
          c[o + j] = Activation.apply(act, c[o + j], p, q);
        }
      }
    } else {
      v.intoArray(c, o, m);
    }
  }

  /** The vectorisable activations of {@link Activation}; p and q as there. */
  static FloatVector activate(FloatVector v, int act, float p, float q) {
    if (act == Activation.RELU) {
      return v.max(0f);
    } else if (act == Activation.CLIP) {
      return v.max(p).min(q);
    } else if (act == Activation.LEAKY_RELU) {
      return v.blend(v.mul(p), v.compare(VectorOperators.LT, 0f));
    }
    return v;
  }
}
