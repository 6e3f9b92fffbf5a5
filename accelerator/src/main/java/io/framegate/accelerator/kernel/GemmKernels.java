package io.framegate.accelerator.kernel;

/** General matrix products (ONNX Gemm) and batched row-major matmul (ONNX MatMul). */
public final class GemmKernels {
  private GemmKernels() {}

  /** Geometry indices. */
  public static final int M = 0;

  public static final int N = 1;
  public static final int K = 2;
  public static final int TRANS_A = 3;
  public static final int TRANS_B = 4;
  public static final int HAS_C = 5;

  /** Strides of C in elements; 0 broadcasts C along that axis. */
  public static final int C_ROW_STRIDE = 6;

  public static final int C_COL_STRIDE = 7;
  public static final int GEOMETRY_LENGTH = 8;

  /**
   * Y(i,j) = α·Σ_l A'(i,l)·B'(l,j) + β·C(i·CRS + j·CCS); range i ∈ [0, M) (rows). The transposes
   * become strides, so that one loop nest serves all four cases: no branch inside the loops, which
   * is what device compilers handle best (a branchy version miscompiled on one OpenCL device).
   */
  public static void gemm(
      float[] a,
      float[] b,
      float[] c,
      float[] y,
      int[] g,
      float alpha,
      float beta,
      int lo,
      int hi) {
    int m = g[M];
    int n = g[N];
    int k = g[K];
    // A' = A or Aᵀ (A is m×k or k×m), B' = B or Bᵀ (B is k×n or n×k)
    int aRowStride = g[TRANS_A] != 0 ? 1 : k;
    int aDepthStride = g[TRANS_A] != 0 ? m : 1;
    int bDepthStride = g[TRANS_B] != 0 ? 1 : n;
    int bColStride = g[TRANS_B] != 0 ? k : 1;
    float cScale = g[HAS_C] != 0 ? beta : 0f;
    int cRow = g[C_ROW_STRIDE];
    int cCol = g[C_COL_STRIDE];
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int aRow = i * aRowStride;
      for (int j = 0; j < n; j++) {
        int bCol = j * bColStride;
        float sum = 0f;
        for (int l = 0; l < k; l++) {
          sum += a[aRow + l * aDepthStride] * b[bCol + l * bDepthStride];
        }
        // without C, c is a one-element placeholder and cRow = cCol = 0
        y[i * n + j] = alpha * sum + cScale * c[i * cRow + j * cCol];
      }
    }
  }

  /**
   * Y(t,i,j) = Σ_l A(aOff(t) + i·k + l)·B(bOff(t) + l·n + j); range r ∈ [0, batches·m), r = t·m+i.
   * Per-batch offsets let the caller express broadcast batch dimensions without copies.
   */
  public static void matmul(
      float[] a,
      float[] b,
      float[] y,
      int[] aOffsets,
      int[] bOffsets,
      int m,
      int n,
      int k,
      int lo,
      int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int r = lo + item;
      int t = r / m;
      int i = r % m;
      int yRow = r * n;
      int aRow = aOffsets[t] + i * k;
      int bBase = bOffsets[t];
      for (int j = 0; j < n; j++) {
        y[yRow + j] = 0f;
      }
      for (int l = 0; l < k; l++) {
        float av = a[aRow + l];
        int bRow = bBase + l * n;
        for (int j = 0; j < n; j++) {
          y[yRow + j] += av * b[bRow + j];
        }
      }
    }
  }
}
