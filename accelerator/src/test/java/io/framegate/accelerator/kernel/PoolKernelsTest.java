package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.random;
import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolKernelsTest {

  /**
   * A pooling geometry; spatial arrays are {D, H, W}. With ceil, the output size rounds up, so the
   * last window may reach past the end padding.
   */
  private record Pool(
      int n,
      int c,
      int[] in,
      int[] k,
      int[] stride,
      int[] padBegin,
      int[] padEnd,
      int[] dilation,
      boolean ceil) {

    int[] geometry() {
      int[] g = new int[PoolKernels.GEOMETRY_LENGTH];
      g[PoolKernels.N] = n;
      g[PoolKernels.C] = c;
      for (int d = 0; d < 3; d++) {
        int span = in[d] + padBegin[d] + padEnd[d] - dilation[d] * (k[d] - 1) - 1;
        int out = (ceil ? (span + stride[d] - 1) / stride[d] : span / stride[d]) + 1;
        g[PoolKernels.D + d] = in[d];
        g[PoolKernels.KD + d] = k[d];
        g[PoolKernels.OD + d] = out;
        g[PoolKernels.SD + d] = stride[d];
        g[PoolKernels.PD + d] = padBegin[d];
        g[PoolKernels.DD + d] = dilation[d];
        g[PoolKernels.PD_END + d] = padEnd[d];
      }
      return g;
    }

    int inputLength() {
      return n * c * in[0] * in[1] * in[2];
    }
  }

  private static int outputLength(int[] g) {
    return g[PoolKernels.N]
        * g[PoolKernels.C]
        * g[PoolKernels.OD]
        * g[PoolKernels.OH]
        * g[PoolKernels.OW];
  }

  private static int outerRange(int[] g) {
    return g[PoolKernels.N] * g[PoolKernels.C] * g[PoolKernels.OD];
  }

  /** mode 0: max; 1: average over in-range taps; 2: average counting the declared padding. */
  private static double[] naivePool(float[] x, int[] g, int mode) {
    int nc = g[PoolKernels.N] * g[PoolKernels.C];
    int[] in = {g[PoolKernels.D], g[PoolKernels.H], g[PoolKernels.W]};
    int[] k = {g[PoolKernels.KD], g[PoolKernels.KH], g[PoolKernels.KW]};
    int[] out = {g[PoolKernels.OD], g[PoolKernels.OH], g[PoolKernels.OW]};
    int[] s = {g[PoolKernels.SD], g[PoolKernels.SH], g[PoolKernels.SW]};
    int[] p = {g[PoolKernels.PD], g[PoolKernels.PH], g[PoolKernels.PW]};
    int[] pe = {g[PoolKernels.PD_END], g[PoolKernels.PH_END], g[PoolKernels.PW_END]};
    int[] dil = {g[PoolKernels.DD], g[PoolKernels.DH], g[PoolKernels.DW]};
    double[] y = new double[nc * out[0] * out[1] * out[2]];
    int yi = 0;
    for (int plane = 0; plane < nc; plane++) {
      for (int od = 0; od < out[0]; od++) {
        for (int oh = 0; oh < out[1]; oh++) {
          for (int ow = 0; ow < out[2]; ow++) {
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            int inside = 0;
            int insidePadded = 0;
            for (int kd = 0; kd < k[0]; kd++) {
              for (int kh = 0; kh < k[1]; kh++) {
                for (int kw = 0; kw < k[2]; kw++) {
                  int[] z = {
                    od * s[0] - p[0] + kd * dil[0],
                    oh * s[1] - p[1] + kh * dil[1],
                    ow * s[2] - p[2] + kw * dil[2]
                  };
                  boolean inImage = true;
                  boolean inPadded = true;
                  for (int d = 0; d < 3; d++) {
                    inImage &= z[d] >= 0 && z[d] < in[d];
                    inPadded &= z[d] >= -p[d] && z[d] < in[d] + pe[d];
                  }
                  if (inPadded) {
                    insidePadded++;
                  }
                  if (inImage) {
                    inside++;
                    float v = x[((plane * in[0] + z[0]) * in[1] + z[1]) * in[2] + z[2]];
                    max = Math.max(max, v);
                    sum += v;
                  }
                }
              }
            }
            y[yi++] = mode == 0 ? max : sum / (mode == 1 ? inside : insidePadded);
          }
        }
      }
    }
    return y;
  }

  private static void assertClose(double[] want, float[] got, double tolerance) {
    assertEquals(want.length, got.length, "output length");
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i] - got[i]) <= tolerance * (1 + Math.abs(want[i])))) {
        fail("element " + i + ": expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  private static final float[] FOUR_BY_FOUR = {
    1, 3, 2, 1,
    4, 6, 5, 0,
    7, 2, 9, 8,
    1, 0, 3, 4
  };

  private static Pool twoByTwoStrideTwo() {
    return new Pool(
        1,
        1,
        new int[] {1, 4, 4},
        new int[] {1, 2, 2},
        new int[] {1, 2, 2},
        new int[] {0, 0, 0},
        new int[] {0, 0, 0},
        new int[] {1, 1, 1},
        false);
  }

  @Test
  void maxPoolFourByFour() {
    int[] g = twoByTwoStrideTwo().geometry();
    float[] y =
        runWholeAndSplit(4, 1, (out, lo, hi) -> PoolKernels.maxPool(FOUR_BY_FOUR, out, g, lo, hi));
    assertArrayEquals(new float[] {6, 5, 7, 9}, y);
  }

  @Test
  void averagePoolFourByFour() {
    int[] g = twoByTwoStrideTwo().geometry();
    float[] y =
        runWholeAndSplit(
            4, 1, (out, lo, hi) -> PoolKernels.avgPool(FOUR_BY_FOUR, out, g, 0, lo, hi));
    // (1+3+4+6)/4, (2+1+5+0)/4, (7+2+1+0)/4, (9+8+3+4)/4
    assertArrayEquals(new float[] {3.5f, 2f, 2.5f, 6f}, y);
  }

  @Test
  void ceilModeWindowCrossingTheEndPadding() {
    // 1-D: 8 inputs, kernel 3, stride 2, pads 1|1, ceil → 5 outputs; the last window covers
    // input 7, the end pad (position 8) and position 9 beyond all padding.
    Pool pool =
        new Pool(
            1,
            1,
            new int[] {1, 1, 8},
            new int[] {1, 1, 3},
            new int[] {1, 1, 2},
            new int[] {0, 0, 1},
            new int[] {0, 0, 1},
            new int[] {1, 1, 1},
            true);
    int[] g = pool.geometry();
    assertEquals(5, g[PoolKernels.OW]);
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] include =
        runWholeAndSplit(5, 1, (y, lo, hi) -> PoolKernels.avgPool(x, y, g, 1, lo, hi));
    float[] exclude =
        runWholeAndSplit(5, 1, (y, lo, hi) -> PoolKernels.avgPool(x, y, g, 0, lo, hi));
    float[] max = runWholeAndSplit(5, 1, (y, lo, hi) -> PoolKernels.maxPool(x, y, g, lo, hi));
    // Windows: {pad,1,2} {2,3,4} {4,5,6} {6,7,8} {8,pad,beyond}.
    assertArrayEquals(new float[] {3f / 3, 9f / 3, 15f / 3, 21f / 3, 8f / 2}, include);
    assertArrayEquals(new float[] {3f / 2, 9f / 3, 15f / 3, 21f / 3, 8f / 1}, exclude);
    assertArrayEquals(new float[] {2, 4, 6, 8, 8}, max);
  }

  private static int[] a(int... v) {
    return v;
  }

  static Stream<Arguments> geometries() {
    return Stream.of(
        Arguments.of(
            "3x3 stride 2 pad 1",
            new Pool(
                2,
                3,
                a(1, 11, 9),
                a(1, 3, 3),
                a(1, 2, 2),
                a(0, 1, 1),
                a(0, 1, 1),
                a(1, 1, 1),
                false)),
        Arguments.of(
            "ceil mode, asymmetric pads",
            new Pool(
                1,
                3,
                a(1, 10, 13),
                a(1, 3, 2),
                a(1, 2, 3),
                a(0, 1, 0),
                a(0, 0, 1),
                a(1, 1, 1),
                true)),
        Arguments.of(
            "dilation 2, ceil",
            new Pool(
                1,
                2,
                a(1, 12, 11),
                a(1, 3, 2),
                a(1, 2, 1),
                a(0, 1, 1),
                a(0, 2, 1),
                a(1, 2, 3),
                true)),
        Arguments.of(
            "overlapping 3x3 stride 1 pad 2",
            new Pool(
                1,
                4,
                a(1, 7, 5),
                a(1, 3, 3),
                a(1, 1, 1),
                a(0, 2, 2),
                a(0, 2, 2),
                a(1, 1, 1),
                false)),
        Arguments.of(
            "1-D",
            new Pool(
                3,
                2,
                a(1, 1, 19),
                a(1, 1, 4),
                a(1, 1, 3),
                a(0, 0, 2),
                a(0, 0, 1),
                a(1, 1, 1),
                true)),
        Arguments.of(
            "3-D with dilation",
            new Pool(
                1,
                2,
                a(6, 7, 5),
                a(2, 3, 2),
                a(2, 2, 1),
                a(1, 1, 0),
                a(1, 0, 1),
                a(2, 1, 2),
                true)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geometries")
  void windowedPoolsMatchNaiveLoops(String name, Pool pool) {
    int[] g = pool.geometry();
    Random random = new Random(name.hashCode());
    float[] x = random(random, pool.inputLength());
    int length = outputLength(g);
    int total = outerRange(g);
    float[] max =
        runWholeAndSplit(length, total, (y, lo, hi) -> PoolKernels.maxPool(x, y, g, lo, hi));
    assertClose(naivePool(x, g, 0), max, 0);
    float[] avg =
        runWholeAndSplit(length, total, (y, lo, hi) -> PoolKernels.avgPool(x, y, g, 0, lo, hi));
    assertClose(naivePool(x, g, 1), avg, 1e-6);
    float[] avgPad =
        runWholeAndSplit(length, total, (y, lo, hi) -> PoolKernels.avgPool(x, y, g, 1, lo, hi));
    assertClose(naivePool(x, g, 2), avgPad, 1e-6);
  }

  @Test
  void globalPools() {
    Random random = new Random(77L);
    int nc = 2 * 5;
    int spatial = 7 * 9;
    float[] x = random(random, nc * spatial);
    float[] avg =
        runWholeAndSplit(nc, nc, (y, lo, hi) -> PoolKernels.globalAvgPool(x, y, spatial, lo, hi));
    float[] max =
        runWholeAndSplit(nc, nc, (y, lo, hi) -> PoolKernels.globalMaxPool(x, y, spatial, lo, hi));
    double[] wantAvg = new double[nc];
    double[] wantMax = new double[nc];
    for (int i = 0; i < nc; i++) {
      double sum = 0;
      double best = Double.NEGATIVE_INFINITY;
      for (int s = 0; s < spatial; s++) {
        sum += x[i * spatial + s];
        best = Math.max(best, x[i * spatial + s]);
      }
      wantAvg[i] = sum / spatial;
      wantMax[i] = best;
    }
    assertClose(wantAvg, avg, 1e-6);
    assertClose(wantMax, max, 0);
  }
}
