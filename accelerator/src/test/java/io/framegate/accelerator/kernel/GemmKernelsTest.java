package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.random;
import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmKernelsTest {

  private static void assertClose(double[] want, float[] got, double tolerance) {
    assertEquals(want.length, got.length, "output length");
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i] - got[i]) <= tolerance * (1 + Math.abs(want[i])))) {
        fail("element " + i + ": expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  /** cMode: none, full [M,N], row [1,N] (broadcast over rows), column [M,1], scalar. */
  @ParameterizedTest(name = "transA={0} transB={1} C={2}")
  @CsvSource({
    "0,0,none",
    "0,0,full",
    "1,0,full",
    "0,1,full",
    "1,1,full",
    "0,0,row",
    "1,1,row",
    "0,1,column",
    "1,0,column",
    "0,0,scalar",
    "1,1,none"
  })
  void gemmMatchesNaiveTripleLoop(int transA, int transB, String cMode) {
    int m = 7;
    int n = 13;
    int k = 9;
    float alpha = 0.7f;
    float beta = -1.3f;
    Random random = new Random(transA * 10 + transB * 100 + cMode.hashCode());
    float[] a = random(random, m * k);
    float[] b = random(random, k * n);
    int cRows =
        switch (cMode) {
          case "full", "column" -> m;
          default -> 1;
        };
    int cCols =
        switch (cMode) {
          case "full", "row" -> n;
          default -> 1;
        };
    float[] c = random(random, cRows * cCols);
    int[] g = new int[GemmKernels.GEOMETRY_LENGTH];
    g[GemmKernels.M] = m;
    g[GemmKernels.N] = n;
    g[GemmKernels.K] = k;
    g[GemmKernels.TRANS_A] = transA;
    g[GemmKernels.TRANS_B] = transB;
    g[GemmKernels.HAS_C] = cMode.equals("none") ? 0 : 1;
    g[GemmKernels.C_ROW_STRIDE] = cRows == 1 ? 0 : cCols;
    g[GemmKernels.C_COL_STRIDE] = cCols == 1 ? 0 : 1;

    float[] y =
        runWholeAndSplit(
            m * n, m, (out, lo, hi) -> GemmKernels.gemm(a, b, c, out, g, alpha, beta, lo, hi));

    double[] want = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int l = 0; l < k; l++) {
          double av = transA == 1 ? a[l * m + i] : a[i * k + l];
          double bv = transB == 1 ? b[j * k + l] : b[l * n + j];
          sum += av * bv;
        }
        double cv = c[(cRows == 1 ? 0 : i) * cCols + (cCols == 1 ? 0 : j)];
        want[i * n + j] = alpha * sum + (cMode.equals("none") ? 0 : beta * cv);
      }
    }
    assertClose(want, y, 1e-5);
  }

  @Test
  void batchedMatmulWithBroadcastRightOperand() {
    int batches = 3;
    int m = 5;
    int n = 11;
    int k = 7;
    Random random = new Random(8080L);
    float[] a = random(random, batches * m * k);
    float[] b = random(random, k * n);
    int[] aOffsets = {0, m * k, 2 * m * k};
    int[] bOffsets = {0, 0, 0};
    float[] y =
        runWholeAndSplit(
            batches * m * n,
            batches * m,
            (out, lo, hi) -> GemmKernels.matmul(a, b, out, aOffsets, bOffsets, m, n, k, lo, hi));
    double[] want = new double[batches * m * n];
    for (int t = 0; t < batches; t++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          for (int l = 0; l < k; l++) {
            sum += (double) a[t * m * k + i * k + l] * b[l * n + j];
          }
          want[(t * m + i) * n + j] = sum;
        }
      }
    }
    assertClose(want, y, 1e-5);
  }

  @Test
  void batchedMatmulWithBroadcastLeftOperand() {
    int m = 3;
    int n = 4;
    int k = 6;
    Random random = new Random(9090L);
    float[] a = random(random, m * k);
    float[] b = random(random, 2 * k * n);
    int[] aOffsets = {0, 0};
    int[] bOffsets = {0, k * n};
    float[] y =
        runWholeAndSplit(
            2 * m * n,
            2 * m,
            (out, lo, hi) -> GemmKernels.matmul(a, b, out, aOffsets, bOffsets, m, n, k, lo, hi));
    double[] want = new double[2 * m * n];
    for (int t = 0; t < 2; t++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          for (int l = 0; l < k; l++) {
            sum += (double) a[i * k + l] * b[t * k * n + l * n + j];
          }
          want[(t * m + i) * n + j] = sum;
        }
      }
    }
    assertClose(want, y, 1e-5);
  }
}
