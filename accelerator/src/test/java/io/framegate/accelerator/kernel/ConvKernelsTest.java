package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.random;
import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConvKernelsTest {

  /** Output size per axis: ⌊(J + P_begin + P_end − Δ(K−1) − 1)/S⌋ + 1. */
  private static int outputSize(int in, int k, int pBegin, int pEnd, int stride, int dilation) {
    return (in + pBegin + pEnd - dilation * (k - 1) - 1) / stride + 1;
  }

  /**
   * A conv geometry. Spatial arrays are {D, H, W}; pads are begin and end (end pads only shape the
   * output size).
   */
  private record Conv(
      int n,
      int c,
      int m,
      int group,
      int[] in,
      int[] k,
      int[] stride,
      int[] padBegin,
      int[] padEnd,
      int[] dilation,
      boolean bias,
      boolean residual) {

    int[] geometry() {
      int[] g = new int[ConvKernels.GEOMETRY_LENGTH];
      g[ConvKernels.N] = n;
      g[ConvKernels.C] = c;
      g[ConvKernels.M] = m;
      g[ConvKernels.GROUP] = group;
      for (int d = 0; d < 3; d++) {
        g[ConvKernels.D + d] = in[d];
        g[ConvKernels.KD + d] = k[d];
        g[ConvKernels.SD + d] = stride[d];
        g[ConvKernels.PD + d] = padBegin[d];
        g[ConvKernels.DD + d] = dilation[d];
        g[ConvKernels.OD + d] =
            outputSize(in[d], k[d], padBegin[d], padEnd[d], stride[d], dilation[d]);
      }
      g[ConvKernels.HAS_BIAS] = bias ? 1 : 0;
      g[ConvKernels.HAS_RES] = residual ? 1 : 0;
      return g;
    }

    int inputLength() {
      return n * c * in[0] * in[1] * in[2];
    }

    int weightLength() {
      return m * (c / group) * k[0] * k[1] * k[2];
    }
  }

  private static int outputLength(int[] g) {
    return g[ConvKernels.N]
        * g[ConvKernels.M]
        * g[ConvKernels.OD]
        * g[ConvKernels.OH]
        * g[ConvKernels.OW];
  }

  private static int outerRange(int[] g) {
    return g[ConvKernels.N] * g[ConvKernels.M] * g[ConvKernels.OD];
  }

  /** The formula, tap by tap, with a bounds test on every tap (pre-activation). */
  private static double[] naiveConv(float[] x, float[] w, float[] bias, float[] res, int[] g) {
    int n = g[ConvKernels.N];
    int c = g[ConvKernels.C];
    int m = g[ConvKernels.M];
    int groups = g[ConvKernels.GROUP];
    int[] in = {g[ConvKernels.D], g[ConvKernels.H], g[ConvKernels.W]};
    int[] k = {g[ConvKernels.KD], g[ConvKernels.KH], g[ConvKernels.KW]};
    int[] out = {g[ConvKernels.OD], g[ConvKernels.OH], g[ConvKernels.OW]};
    int[] s = {g[ConvKernels.SD], g[ConvKernels.SH], g[ConvKernels.SW]};
    int[] p = {g[ConvKernels.PD], g[ConvKernels.PH], g[ConvKernels.PW]};
    int[] dil = {g[ConvKernels.DD], g[ConvKernels.DH], g[ConvKernels.DW]};
    int cg = c / groups;
    int mg = m / groups;
    double[] y = new double[n * m * out[0] * out[1] * out[2]];
    int yi = 0;
    for (int in0 = 0; in0 < n; in0++) {
      for (int om = 0; om < m; om++) {
        for (int od = 0; od < out[0]; od++) {
          for (int oh = 0; oh < out[1]; oh++) {
            for (int ow = 0; ow < out[2]; ow++) {
              double sum = g[ConvKernels.HAS_BIAS] != 0 ? bias[om] : 0;
              for (int ic = 0; ic < cg; ic++) {
                int channel = (om / mg) * cg + ic;
                for (int kd = 0; kd < k[0]; kd++) {
                  for (int kh = 0; kh < k[1]; kh++) {
                    for (int kw = 0; kw < k[2]; kw++) {
                      int zd = od * s[0] - p[0] + kd * dil[0];
                      int zh = oh * s[1] - p[1] + kh * dil[1];
                      int zw = ow * s[2] - p[2] + kw * dil[2];
                      if (zd < 0 || zd >= in[0] || zh < 0 || zh >= in[1] || zw < 0 || zw >= in[2]) {
                        continue;
                      }
                      float xv = x[(((in0 * c + channel) * in[0] + zd) * in[1] + zh) * in[2] + zw];
                      float wv = w[(((om * cg + ic) * k[0] + kd) * k[1] + kh) * k[2] + kw];
                      sum += (double) xv * wv;
                    }
                  }
                }
              }
              if (g[ConvKernels.HAS_RES] != 0) {
                sum += res[yi];
              }
              y[yi++] = sum;
            }
          }
        }
      }
    }
    return y;
  }

  private static void assertClose(double[] want, float[] got, double tolerance) {
    assertEquals(want.length, got.length, "output length");
    for (int i = 0; i < want.length; i++) {
      if (Double.isNaN(want[i]) && Float.isNaN(got[i])) {
        continue;
      }
      if (!(Math.abs(want[i] - got[i]) <= tolerance * (1 + Math.abs(want[i])))) {
        fail("element " + i + ": expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  private static float[] runConv(
      float[] x, float[] w, float[] bias, float[] res, int[] g, int act, float a, float b) {
    return runWholeAndSplit(
        outputLength(g),
        outerRange(g),
        (y, lo, hi) -> ConvKernels.conv(x, w, bias, res, y, g, act, a, b, lo, hi));
  }

  @Test
  void sharpenKernelOnBinaryImage() {
    // C(j,k) = Σ_l Σ_m I(j+l,k+m)·K(l,m), 5×5 image, 3×3 kernel, stride 1, no padding.
    float[] image = {
      0, 1, 0, 0, 0,
      0, 1, 1, 0, 1,
      0, 0, 1, 0, 0,
      1, 0, 1, 1, 0,
      0, 1, 1, 0, 1
    };
    float[] sharpen = {
      0, -1, 0,
      -1, 5, -1,
      0, -1, 0
    };
    Conv conv =
        new Conv(
            1,
            1,
            1,
            1,
            new int[] {1, 5, 5},
            new int[] {1, 3, 3},
            new int[] {1, 1, 1},
            new int[] {0, 0, 0},
            new int[] {0, 0, 0},
            new int[] {1, 1, 1},
            false,
            false);
    float[] y = runConv(image, sharpen, new float[1], new float[1], conv.geometry(), 0, 0f, 0f);
    // Worked by hand: 5·centre − (up + left + right + down) for each of the nine windows.
    float[] expected = {
      3, 3, -2,
      -2, 3, -2,
      -3, 2, 4
    };
    assertArrayEquals(expected, y);
  }

  @ParameterizedTest(name = "J={0} K={1} P={2} S={3} -> {4}")
  @MethodSource("outputSizeCases")
  void outputSizeFormulaMatchesKernelOutput(int j, int k, int p, int s, int expected) {
    int o = outputSize(j, k, p, p, s, 1);
    assertEquals(expected, o, "⌊(J+2P−M)/S⌋+1");
    // The last window still overlaps the padded image and one more would not.
    assertTrue((o - 1) * s - p + k - 1 <= j - 1 + p);
    assertTrue(o * s - p + k - 1 > j - 1 + p);

    Conv conv =
        new Conv(
            1,
            1,
            1,
            1,
            new int[] {1, j, j},
            new int[] {1, k, k},
            new int[] {1, s, s},
            new int[] {0, p, p},
            new int[] {0, p, p},
            new int[] {1, 1, 1},
            false,
            false);
    int[] g = conv.geometry();
    Random random = new Random(31L * j + 7L * k + p + s);
    float[] x = random(random, conv.inputLength());
    float[] w = random(random, conv.weightLength());
    // Guard elements after the o×o output must stay untouched.
    float[] y = new float[o * o + 3];
    Arrays.fill(y, 1234.5f);
    ConvKernels.conv(x, w, new float[1], new float[1], y, g, 0, 0f, 0f, 0, outerRange(g));
    assertArrayEquals(
        new float[] {1234.5f, 1234.5f, 1234.5f}, Arrays.copyOfRange(y, o * o, o * o + 3));
    assertClose(naiveConv(x, w, null, null, g), Arrays.copyOf(y, o * o), 1e-5);
  }

  static Stream<Arguments> outputSizeCases() {
    return Stream.of(
        Arguments.of(5, 3, 0, 1, 3), // valid
        Arguments.of(5, 3, 1, 1, 5), // same
        Arguments.of(7, 3, 1, 2, 4)); // strided
  }

  static Stream<Arguments> geometries() {
    return Stream.of(
        Arguments.of(
            "plain 3x3 same, bias",
            new Conv(
                2,
                3,
                5,
                1,
                a(1, 9, 11),
                a(1, 3, 3),
                a(1, 1, 1),
                a(0, 1, 1),
                a(0, 1, 1),
                a(1, 1, 1),
                true,
                false)),
        Arguments.of(
            "stride 2, asymmetric pads",
            new Conv(
                1,
                4,
                6,
                1,
                a(1, 13, 10),
                a(1, 3, 5),
                a(1, 2, 3),
                a(0, 0, 2),
                a(0, 2, 1),
                a(1, 1, 1),
                true,
                false)),
        Arguments.of(
            "dilation 2x3, pads",
            new Conv(
                1,
                3,
                4,
                1,
                a(1, 15, 17),
                a(1, 3, 3),
                a(1, 1, 2),
                a(0, 2, 3),
                a(0, 1, 3),
                a(1, 2, 3),
                false,
                false)),
        Arguments.of(
            "groups 3",
            new Conv(
                2,
                6,
                9,
                3,
                a(1, 7, 9),
                a(1, 3, 2),
                a(1, 1, 1),
                a(0, 1, 0),
                a(0, 1, 1),
                a(1, 1, 1),
                true,
                false)),
        Arguments.of(
            "depthwise G=C=M, stride 2",
            new Conv(
                1,
                7,
                7,
                7,
                a(1, 11, 9),
                a(1, 3, 3),
                a(1, 2, 2),
                a(0, 1, 1),
                a(0, 1, 1),
                a(1, 1, 1),
                true,
                false)),
        Arguments.of(
            "depthwise multiplier 2",
            new Conv(
                1,
                3,
                6,
                3,
                a(1, 8, 8),
                a(1, 5, 5),
                a(1, 1, 1),
                a(0, 2, 2),
                a(0, 2, 2),
                a(1, 1, 1),
                false,
                false)),
        Arguments.of(
            "pointwise 1x1 with residual",
            new Conv(
                3,
                5,
                4,
                1,
                a(1, 6, 7),
                a(1, 1, 1),
                a(1, 1, 1),
                a(0, 0, 0),
                a(0, 0, 0),
                a(1, 1, 1),
                true,
                true)),
        Arguments.of(
            "residual and bias, stride 2, pads",
            new Conv(
                2,
                3,
                4,
                1,
                a(1, 9, 9),
                a(1, 3, 3),
                a(1, 2, 2),
                a(0, 1, 1),
                a(0, 1, 1),
                a(1, 1, 1),
                true,
                true)),
        Arguments.of(
            "kernel larger than padded tail",
            new Conv(
                1,
                2,
                3,
                1,
                a(1, 4, 5),
                a(1, 5, 4),
                a(1, 1, 2),
                a(0, 3, 2),
                a(0, 3, 1),
                a(1, 1, 1),
                false,
                false)),
        Arguments.of(
            "1-D conv as unit-dim 3-D",
            new Conv(
                2,
                3,
                4,
                1,
                a(1, 1, 23),
                a(1, 1, 5),
                a(1, 1, 2),
                a(0, 0, 2),
                a(0, 0, 1),
                a(1, 1, 2),
                true,
                false)),
        Arguments.of(
            "3-D conv with stride, pads and dilation",
            new Conv(
                1,
                2,
                3,
                1,
                a(7, 6, 5),
                a(3, 2, 3),
                a(2, 1, 1),
                a(1, 0, 1),
                a(1, 1, 0),
                a(2, 1, 1),
                true,
                true)),
        Arguments.of(
            "3-D grouped",
            new Conv(
                2,
                4,
                4,
                2,
                a(5, 5, 6),
                a(2, 3, 3),
                a(1, 2, 1),
                a(0, 1, 1),
                a(1, 1, 1),
                a(1, 1, 2),
                true,
                false)));
  }

  private static int[] a(int... v) {
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geometries")
  void matchesNaiveConvolution(String name, Conv conv) {
    int[] g = conv.geometry();
    Random random = new Random(name.hashCode());
    float[] x = random(random, conv.inputLength());
    float[] w = random(random, conv.weightLength());
    float[] bias = random(random, conv.m());
    float[] res = conv.residual() ? random(random, outputLength(g)) : new float[1];
    float[] y = runConv(x, w, bias, res, g, Activation.NONE, 0f, 0f);
    assertClose(naiveConv(x, w, bias, res, g), y, 2e-5);

    // With RELU the residual is added before the activation.
    float[] relu = runConv(x, w, bias, res, g, Activation.RELU, 0f, 0f);
    double[] want = naiveConv(x, w, bias, res, g);
    for (int i = 0; i < want.length; i++) {
      want[i] = Math.max(0, want[i]);
    }
    assertClose(want, relu, 2e-5);
  }

  @ParameterizedTest(name = "activation {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18})
  void fusedActivationEqualsConvThenActivation(int act) {
    Conv conv =
        new Conv(
            2,
            4,
            6,
            2,
            a(1, 7, 8),
            a(1, 3, 3),
            a(1, 1, 2),
            a(0, 1, 1),
            a(0, 1, 0),
            a(1, 1, 1),
            true,
            true);
    int[] g = conv.geometry();
    Random random = new Random(1000 + act);
    float[] x = random(random, conv.inputLength());
    float[] w = random(random, conv.weightLength());
    float[] bias = random(random, conv.m());
    float[] res = random(random, outputLength(g));
    float pa = ActivationTest.paramA(act);
    float pb = ActivationTest.paramB(act);
    float[] fused = runConv(x, w, bias, res, g, act, pa, pb);

    // Bit-exact: the epilogue is the plain activation applied to the pre-activation sum.
    float[] linear = runConv(x, w, bias, res, g, Activation.NONE, 0f, 0f);
    for (int i = 0; i < linear.length; i++) {
      assertEquals(
          Float.floatToIntBits(Activation.apply(act, linear[i], pa, pb)),
          Float.floatToIntBits(fused[i]),
          "element " + i);
    }
    // And against the textbook activation of the naive sum, where the activation is
    // well-conditioned (1/v and √v amplify rounding near 0 without bound).
    if (act != Activation.RECIPROCAL && act != Activation.SQRT) {
      double[] want = naiveConv(x, w, bias, res, g);
      for (int i = 0; i < want.length; i++) {
        want[i] = ActivationTest.reference(act, want[i], pa, pb);
      }
      assertClose(want, fused, 1e-4);
    }
  }
}
