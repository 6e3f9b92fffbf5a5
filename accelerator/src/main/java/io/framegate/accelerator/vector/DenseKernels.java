package io.framegate.accelerator.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fully connected layers with few input rows (a batch of feature vectors): the product is bound by
 * reading the weights, so each weight row is streamed once per pair of input rows as dot products
 * along K, four outputs × two rows at a time.
 */
final class DenseKernels {
  private DenseKernels() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /**
   * Y(i, j) = α·Σ_l X(i, l)·W(j, l) + β·C(i·cRow + j·cCol) for all rows i &lt; m; W is N×K
   * row-major (the transposed B of Gemm); range j ∈ [lo, hi) outputs.
   */
  static void rows(
      float[] x,
      float[] w,
      float[] y,
      int m,
      int n,
      int k,
      float alpha,
      float beta,
      float[] c,
      int cRow,
      int cCol,
      int lo,
      int hi) {
    int bound = S.loopBound(k);
    int j = lo;
    for (; j + 4 <= hi; j += 4) {
      int w0 = j * k;
      int w1 = w0 + k;
      int w2 = w1 + k;
      int w3 = w2 + k;
      int i = 0;
      for (; i + 2 <= m; i += 2) {
        int x0 = i * k;
        int x1 = x0 + k;
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        for (int l = 0; l < bound; l += VL) {
          FloatVector u = FloatVector.fromArray(S, x, x0 + l);
          FloatVector v = FloatVector.fromArray(S, x, x1 + l);
          FloatVector r = FloatVector.fromArray(S, w, w0 + l);
          a00 = u.fma(r, a00);
          a10 = v.fma(r, a10);
          r = FloatVector.fromArray(S, w, w1 + l);
          a01 = u.fma(r, a01);
          a11 = v.fma(r, a11);
          r = FloatVector.fromArray(S, w, w2 + l);
          a02 = u.fma(r, a02);
          a12 = v.fma(r, a12);
          r = FloatVector.fromArray(S, w, w3 + l);
          a03 = u.fma(r, a03);
          a13 = v.fma(r, a13);
        }
        finish(y, i, j, n, Sgemm.sum(a00), x, x0, w, w0, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 1, n, Sgemm.sum(a01), x, x0, w, w1, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 2, n, Sgemm.sum(a02), x, x0, w, w2, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 3, n, Sgemm.sum(a03), x, x0, w, w3, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i + 1, j, n, Sgemm.sum(a10), x, x1, w, w0, bound, k, alpha, beta, c, cRow, cCol);
        finish(
            y, i + 1, j + 1, n, Sgemm.sum(a11), x, x1, w, w1, bound, k, alpha, beta, c, cRow, cCol);
        finish(
            y, i + 1, j + 2, n, Sgemm.sum(a12), x, x1, w, w2, bound, k, alpha, beta, c, cRow, cCol);
        finish(
            y, i + 1, j + 3, n, Sgemm.sum(a13), x, x1, w, w3, bound, k, alpha, beta, c, cRow, cCol);
      }
      for (; i < m; i++) {
        int x0 = i * k;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int l = 0; l < bound; l += VL) {
          FloatVector u = FloatVector.fromArray(S, x, x0 + l);
          a0 = u.fma(FloatVector.fromArray(S, w, w0 + l), a0);
          a1 = u.fma(FloatVector.fromArray(S, w, w1 + l), a1);
          a2 = u.fma(FloatVector.fromArray(S, w, w2 + l), a2);
          a3 = u.fma(FloatVector.fromArray(S, w, w3 + l), a3);
        }
        finish(y, i, j, n, Sgemm.sum(a0), x, x0, w, w0, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 1, n, Sgemm.sum(a1), x, x0, w, w1, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 2, n, Sgemm.sum(a2), x, x0, w, w2, bound, k, alpha, beta, c, cRow, cCol);
        finish(y, i, j + 3, n, Sgemm.sum(a3), x, x0, w, w3, bound, k, alpha, beta, c, cRow, cCol);
      }
    }
    for (; j < hi; j++) {
      int w0 = j * k;
      for (int i = 0; i < m; i++) {
        int x0 = i * k;
        FloatVector a0 = FloatVector.zero(S);
        for (int l = 0; l < bound; l += VL) {
          a0 = FloatVector.fromArray(S, x, x0 + l).fma(FloatVector.fromArray(S, w, w0 + l), a0);
        }
        finish(y, i, j, n, Sgemm.sum(a0), x, x0, w, w0, bound, k, alpha, beta, c, cRow, cCol);
      }
    }
  }

  /** Y(i, j) = α·(dot + the reduction tail) + β·C(i, j), dot being the vector part of the sum. */
  private static void finish(
      float[] y,
      int i,
      int j,
      int n,
      float dot,
      float[] x,
      int x0,
      float[] w,
      int w0,
      int bound,
      int k,
      float alpha,
      float beta,
      float[] c,
      int cRow,
      int cCol) {
    for (int l = bound; l < k; l++) {
      dot += x[x0 + l] * w[w0 + l];
    }
    float v = alpha * dot;
    if (c != null) {
      v += beta * c[i * cRow + j * cCol];
    }
    y[i * n + j] = v;
  }
}
