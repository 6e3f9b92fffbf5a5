package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import jdk.incubator.vector.FloatVector;
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

  /**
   * A prepared product {@code C[m×n] = A[m×k]·B[k×n]} (row-major) on this kernel: A is packed now,
   * B block by block when the step runs, on {@code threads} workers of the {@link
   * io.framegate.accelerator.op.Loops} it is run with. For measuring the kernel on its own.
   */
  public static io.framegate.accelerator.op.Step product(
      float[] a, float[] b, float[] c, int m, int n, int k, int threads) {
    ConvGeometry g = new ConvGeometry(1, k, 1, n, m, 1, 1, 1, n, 1, 1, 0, 0, 1, 1, 1);
    return new ConvStep(g, b, a, null, null, c, Activation.NONE, 0f, 0f, new Workspace(threads));
  }

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
   * r]}, B at {@code b[bOff + l·NR + j]}, C at {@code c[cOff + r·ldc + j]}. {@code edge} is the
   * calling worker's MR×NR scratch for partial tiles.
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
      float q,
      float[] edge) {
    boolean full = rows == MR && cols == NR;
    FloatVector c00;
    FloatVector c01;
    FloatVector c10;
    FloatVector c11;
    FloatVector c20;
    FloatVector c21;
    FloatVector c30;
    FloatVector c31;
    FloatVector c40;
    FloatVector c41;
    FloatVector c50;
    FloatVector c51;
    int o = cOff;
    // everything stays in this one method, without calls that take or return vectors: a vector
    // passed to a method that is not inlined is boxed on the heap
    if (!full) {
      c00 = FloatVector.zero(S);
      c01 = c00;
      c10 = c00;
      c11 = c00;
      c20 = c00;
      c21 = c00;
      c30 = c00;
      c31 = c00;
      c40 = c00;
      c41 = c00;
      c50 = c00;
      c51 = c00;
    } else if (first) {
      c00 = FloatVector.broadcast(S, bias[biasOff]);
      c01 = c00;
      c10 = FloatVector.broadcast(S, bias[biasOff + 1]);
      c11 = c10;
      c20 = FloatVector.broadcast(S, bias[biasOff + 2]);
      c21 = c20;
      c30 = FloatVector.broadcast(S, bias[biasOff + 3]);
      c31 = c30;
      c40 = FloatVector.broadcast(S, bias[biasOff + 4]);
      c41 = c40;
      c50 = FloatVector.broadcast(S, bias[biasOff + 5]);
      c51 = c50;
    } else {
      c00 = FloatVector.fromArray(S, c, o);
      c01 = FloatVector.fromArray(S, c, o + VL);
      c10 = FloatVector.fromArray(S, c, o + ldc);
      c11 = FloatVector.fromArray(S, c, o + ldc + VL);
      c20 = FloatVector.fromArray(S, c, o + 2 * ldc);
      c21 = FloatVector.fromArray(S, c, o + 2 * ldc + VL);
      c30 = FloatVector.fromArray(S, c, o + 3 * ldc);
      c31 = FloatVector.fromArray(S, c, o + 3 * ldc + VL);
      c40 = FloatVector.fromArray(S, c, o + 4 * ldc);
      c41 = FloatVector.fromArray(S, c, o + 4 * ldc + VL);
      c50 = FloatVector.fromArray(S, c, o + 5 * ldc);
      c51 = FloatVector.fromArray(S, c, o + 5 * ldc + VL);
    }
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
    float[] dst = full ? c : edge;
    int d = full ? o : 0;
    int ld = full ? ldc : NR;
    c00.intoArray(dst, d);
    c01.intoArray(dst, d + VL);
    c10.intoArray(dst, d + ld);
    c11.intoArray(dst, d + ld + VL);
    c20.intoArray(dst, d + 2 * ld);
    c21.intoArray(dst, d + 2 * ld + VL);
    c30.intoArray(dst, d + 3 * ld);
    c31.intoArray(dst, d + 3 * ld + VL);
    c40.intoArray(dst, d + 4 * ld);
    c41.intoArray(dst, d + 4 * ld + VL);
    c50.intoArray(dst, d + 5 * ld);
    c51.intoArray(dst, d + 5 * ld + VL);
    if (!full) {
      flushEdge(edge, c, o, ldc, rows, cols, bias, biasOff, first, last, res, act, p, q);
    } else if (last && (res != null || act != Activation.NONE)) {
      epilogue(c, o, ldc, res, act, p, q);
    }
  }

  /** C(r, j) = act(C(r, j) + R(r, j)) over one full register tile. */
  private static void epilogue(float[] c, int o, int ldc, float[] res, int act, float p, float q) {
    boolean vector = vectorActivation(act);
    for (int r = 0; r < MR; r++, o += ldc) {
      for (int j = 0; j < NR; j += VL) {
        if (res != null) {
          FloatVector.fromArray(S, c, o + j)
              .add(FloatVector.fromArray(S, res, o + j))
              .intoArray(c, o + j);
        }
        if (vector) {
          activate(c, o + j, c, o + j, act, p, q);
        } else {
          for (int i = o + j; i < o + j + VL; i++) {
            c[i] = Activation.apply(act, c[i], p, q);
          }
        }
      }
    }
  }

  /**
   * C(r, j) = e(T(r, j)) for the valid part of a partial tile whose raw sums are in {@code t}
   * ({@code [MR][NR]}); e as in {@link #tile}.
   */
  static void flushEdge(
      float[] t,
      float[] c,
      int o,
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
    for (int r = 0; r < rows; r++) {
      int row = o + r * ldc;
      for (int j = 0; j < cols; j++) {
        float v = t[r * NR + j] + (first ? bias[biasOff + r] : c[row + j]);
        if (last) {
          if (res != null) {
            v += res[row + j];
          }
          v = Activation.apply(act, v, p, q);
        }
        c[row + j] = v;
      }
    }
  }

  /**
   * Σ lanes in lane order: unlike {@code reduceLanes(ADD)}, whose order is unspecified and differs
   * between the interpreter and compiled code, the result never depends on JIT state.
   */
  static float sum(FloatVector v) {
    float s = 0f;
    for (int i = 0; i < VL; i++) {
      s += v.lane(i);
    }
    return s;
  }

  /**
   * {@code dst[j…j+VL) = act(src[i…i+VL))} for the activations {@link #vectorActivation} accepts
   * (in place when both are the same). Arrays in and out, not vectors: a vector handed to a method
   * that C2 does not inline is boxed on the heap, and whether it inlines a call depends on the
   * profile of the run.
   */
  static void activate(float[] src, int i, float[] dst, int j, int act, float p, float q) {
    activate(FloatVector.fromArray(S, src, i), act, p, q).intoArray(dst, j);
  }

  /** The {@link #vectorActivation vector activation} {@code act} of v. */
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
