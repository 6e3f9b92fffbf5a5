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

  /**
   * Rows of the register tile: 6 rows × 2 vectors = 12 accumulators of the 16 AVX2 registers, or 12
   * rows × 2 vectors = 24 of the 32 AVX-512 registers (where vectors hold 16 floats).
   */
  static final int MR = VL >= 16 ? 12 : 6;

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
    if (MR == 12) {
      tileWide(
          a, aOff, b, bOff, kc, c, cOff, ldc, rows, cols, bias, biasOff, first, last, res, act, p,
          q, edge);
    } else {
      tileNarrow(
          a, aOff, b, bOff, kc, c, cOff, ldc, rows, cols, bias, biasOff, first, last, res, act, p,
          q, edge);
    }
  }

  /** {@link #tile} with six rows, for machines with 16 vector registers (AVX2). */
  private static void tileNarrow(
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

  /** {@link #tile} with twelve rows, for machines with 32 vector registers (AVX-512). */
  private static void tileWide(
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
    FloatVector c0a;
    FloatVector c0b;
    FloatVector c1a;
    FloatVector c1b;
    FloatVector c2a;
    FloatVector c2b;
    FloatVector c3a;
    FloatVector c3b;
    FloatVector c4a;
    FloatVector c4b;
    FloatVector c5a;
    FloatVector c5b;
    FloatVector c6a;
    FloatVector c6b;
    FloatVector c7a;
    FloatVector c7b;
    FloatVector c8a;
    FloatVector c8b;
    FloatVector c9a;
    FloatVector c9b;
    FloatVector c10a;
    FloatVector c10b;
    FloatVector c11a;
    FloatVector c11b;
    int o = cOff;
    if (!full) {
      c0a = FloatVector.zero(S);
      c0b = c0a;
      c1a = c0a;
      c1b = c0a;
      c2a = c0a;
      c2b = c0a;
      c3a = c0a;
      c3b = c0a;
      c4a = c0a;
      c4b = c0a;
      c5a = c0a;
      c5b = c0a;
      c6a = c0a;
      c6b = c0a;
      c7a = c0a;
      c7b = c0a;
      c8a = c0a;
      c8b = c0a;
      c9a = c0a;
      c9b = c0a;
      c10a = c0a;
      c10b = c0a;
      c11a = c0a;
      c11b = c0a;
    } else if (first) {
      c0a = FloatVector.broadcast(S, bias[biasOff]);
      c0b = c0a;
      c1a = FloatVector.broadcast(S, bias[biasOff + 1]);
      c1b = c1a;
      c2a = FloatVector.broadcast(S, bias[biasOff + 2]);
      c2b = c2a;
      c3a = FloatVector.broadcast(S, bias[biasOff + 3]);
      c3b = c3a;
      c4a = FloatVector.broadcast(S, bias[biasOff + 4]);
      c4b = c4a;
      c5a = FloatVector.broadcast(S, bias[biasOff + 5]);
      c5b = c5a;
      c6a = FloatVector.broadcast(S, bias[biasOff + 6]);
      c6b = c6a;
      c7a = FloatVector.broadcast(S, bias[biasOff + 7]);
      c7b = c7a;
      c8a = FloatVector.broadcast(S, bias[biasOff + 8]);
      c8b = c8a;
      c9a = FloatVector.broadcast(S, bias[biasOff + 9]);
      c9b = c9a;
      c10a = FloatVector.broadcast(S, bias[biasOff + 10]);
      c10b = c10a;
      c11a = FloatVector.broadcast(S, bias[biasOff + 11]);
      c11b = c11a;
    } else {
      c0a = FloatVector.fromArray(S, c, o);
      c0b = FloatVector.fromArray(S, c, o + VL);
      c1a = FloatVector.fromArray(S, c, o + ldc);
      c1b = FloatVector.fromArray(S, c, o + ldc + VL);
      c2a = FloatVector.fromArray(S, c, o + 2 * ldc);
      c2b = FloatVector.fromArray(S, c, o + 2 * ldc + VL);
      c3a = FloatVector.fromArray(S, c, o + 3 * ldc);
      c3b = FloatVector.fromArray(S, c, o + 3 * ldc + VL);
      c4a = FloatVector.fromArray(S, c, o + 4 * ldc);
      c4b = FloatVector.fromArray(S, c, o + 4 * ldc + VL);
      c5a = FloatVector.fromArray(S, c, o + 5 * ldc);
      c5b = FloatVector.fromArray(S, c, o + 5 * ldc + VL);
      c6a = FloatVector.fromArray(S, c, o + 6 * ldc);
      c6b = FloatVector.fromArray(S, c, o + 6 * ldc + VL);
      c7a = FloatVector.fromArray(S, c, o + 7 * ldc);
      c7b = FloatVector.fromArray(S, c, o + 7 * ldc + VL);
      c8a = FloatVector.fromArray(S, c, o + 8 * ldc);
      c8b = FloatVector.fromArray(S, c, o + 8 * ldc + VL);
      c9a = FloatVector.fromArray(S, c, o + 9 * ldc);
      c9b = FloatVector.fromArray(S, c, o + 9 * ldc + VL);
      c10a = FloatVector.fromArray(S, c, o + 10 * ldc);
      c10b = FloatVector.fromArray(S, c, o + 10 * ldc + VL);
      c11a = FloatVector.fromArray(S, c, o + 11 * ldc);
      c11b = FloatVector.fromArray(S, c, o + 11 * ldc + VL);
    }
    int ai = aOff;
    int bi = bOff;
    for (int l = 0; l < kc; l++, ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector av = FloatVector.broadcast(S, a[ai]);
      c0a = av.fma(b0, c0a);
      c0b = av.fma(b1, c0b);
      av = FloatVector.broadcast(S, a[ai + 1]);
      c1a = av.fma(b0, c1a);
      c1b = av.fma(b1, c1b);
      av = FloatVector.broadcast(S, a[ai + 2]);
      c2a = av.fma(b0, c2a);
      c2b = av.fma(b1, c2b);
      av = FloatVector.broadcast(S, a[ai + 3]);
      c3a = av.fma(b0, c3a);
      c3b = av.fma(b1, c3b);
      av = FloatVector.broadcast(S, a[ai + 4]);
      c4a = av.fma(b0, c4a);
      c4b = av.fma(b1, c4b);
      av = FloatVector.broadcast(S, a[ai + 5]);
      c5a = av.fma(b0, c5a);
      c5b = av.fma(b1, c5b);
      av = FloatVector.broadcast(S, a[ai + 6]);
      c6a = av.fma(b0, c6a);
      c6b = av.fma(b1, c6b);
      av = FloatVector.broadcast(S, a[ai + 7]);
      c7a = av.fma(b0, c7a);
      c7b = av.fma(b1, c7b);
      av = FloatVector.broadcast(S, a[ai + 8]);
      c8a = av.fma(b0, c8a);
      c8b = av.fma(b1, c8b);
      av = FloatVector.broadcast(S, a[ai + 9]);
      c9a = av.fma(b0, c9a);
      c9b = av.fma(b1, c9b);
      av = FloatVector.broadcast(S, a[ai + 10]);
      c10a = av.fma(b0, c10a);
      c10b = av.fma(b1, c10b);
      av = FloatVector.broadcast(S, a[ai + 11]);
      c11a = av.fma(b0, c11a);
      c11b = av.fma(b1, c11b);
    }
    float[] dst = full ? c : edge;
    int d = full ? o : 0;
    int ld = full ? ldc : NR;
    c0a.intoArray(dst, d);
    c0b.intoArray(dst, d + VL);
    c1a.intoArray(dst, d + ld);
    c1b.intoArray(dst, d + ld + VL);
    c2a.intoArray(dst, d + 2 * ld);
    c2b.intoArray(dst, d + 2 * ld + VL);
    c3a.intoArray(dst, d + 3 * ld);
    c3b.intoArray(dst, d + 3 * ld + VL);
    c4a.intoArray(dst, d + 4 * ld);
    c4b.intoArray(dst, d + 4 * ld + VL);
    c5a.intoArray(dst, d + 5 * ld);
    c5b.intoArray(dst, d + 5 * ld + VL);
    c6a.intoArray(dst, d + 6 * ld);
    c6b.intoArray(dst, d + 6 * ld + VL);
    c7a.intoArray(dst, d + 7 * ld);
    c7b.intoArray(dst, d + 7 * ld + VL);
    c8a.intoArray(dst, d + 8 * ld);
    c8b.intoArray(dst, d + 8 * ld + VL);
    c9a.intoArray(dst, d + 9 * ld);
    c9b.intoArray(dst, d + 9 * ld + VL);
    c10a.intoArray(dst, d + 10 * ld);
    c10b.intoArray(dst, d + 10 * ld + VL);
    c11a.intoArray(dst, d + 11 * ld);
    c11b.intoArray(dst, d + 11 * ld + VL);
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
   * Copies VL floats, {@code dst[to + l] = src[base + map[at + l]]}, a float at a time. The Vector
   * API's gather (FloatVector.fromArray with an index map) is compiled to a gather instruction only
   * when the JIT inlines all of it into its caller; inside a large kernel it can run out of
   * inlining budget, and the caller is then left with the gather's Java fallback, which allocates
   * on every call. Which way the JIT goes depends on the profile at the time, so a plan could stay
   * slower and allocating for good.
   */
  static void gather(float[] src, int base, int[] map, int at, float[] dst, int to) {
    for (int l = 0; l < VL; l++) {
      dst[to + l] = src[base + map[at + l]];
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
    // the vector operations are written out here rather than taken from a method on vectors, so
    // that nothing but arrays and scalars crosses a call the JIT may leave uninlined
    FloatVector v = FloatVector.fromArray(S, src, i);
    // a clamp by compares and blends (see BlockedConvStep#clampLo)
    if (act == Activation.RELU) {
      v = v.blend(FloatVector.zero(S), v.compare(VectorOperators.LE, 0f));
    } else if (act == Activation.CLIP) {
      v = v.blend(FloatVector.broadcast(S, p), v.compare(VectorOperators.LE, p));
      v = v.blend(FloatVector.broadcast(S, q), v.compare(VectorOperators.GT, q));
    } else if (act == Activation.LEAKY_RELU) {
      v = v.blend(v.mul(p), v.compare(VectorOperators.LT, 0f));
    }
    v.intoArray(dst, j);
  }

  /**
   * The lower bound of {@code act} as a clamp, for activations that are one (ReLU: 0, Clip: p); −∞
   * for the rest.
   */
  static float clampLow(int act, float p) {
    return act == Activation.RELU ? 0f : act == Activation.CLIP ? p : Float.NEGATIVE_INFINITY;
  }

  /** The upper bound of {@code act} as a clamp (Clip: q); +∞ for the rest. */
  static float clampHigh(int act, float q) {
    return act == Activation.CLIP ? q : Float.POSITIVE_INFINITY;
  }
}
