package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.random;
import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ElementwiseKernelsTest {

  private static void assertClose(double[] want, float[] got, double tolerance) {
    assertEquals(want.length, got.length, "output length");
    for (int i = 0; i < want.length; i++) {
      if (Double.isNaN(want[i]) && Float.isNaN(got[i])) {
        continue;
      }
      if (Double.isInfinite(want[i]) && want[i] == got[i]) {
        continue;
      }
      if (!(Math.abs(want[i] - got[i]) <= tolerance * (1 + Math.abs(want[i])))) {
        fail("element " + i + ": expected " + want[i] + ", got " + got[i]);
      }
    }
  }

  @ParameterizedTest(name = "activation {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18})
  void activationKernelAppliesEveryElementInPlaceOrNot(int act) {
    Random random = new Random(500 + act);
    int n = 1031;
    float[] x = random(random, n);
    for (int i = 0; i < n; i++) {
      x[i] *= 6;
    }
    float pa = ActivationTest.paramA(act);
    float pb = ActivationTest.paramB(act);
    float[] y =
        runWholeAndSplit(
            n, n, (out, lo, hi) -> ElementwiseKernels.activation(x, out, act, pa, pb, lo, hi));
    double[] want = new double[n];
    for (int i = 0; i < n; i++) {
      want[i] = ActivationTest.reference(act, x[i], pa, pb);
    }
    assertClose(want, y, 1e-6);

    float[] inPlace = x.clone();
    ElementwiseKernels.activation(inPlace, inPlace, act, pa, pb, 0, n);
    assertArrayEquals(y, inPlace);
  }

  /** Reference binary operator in double. */
  private static double reference(int op, double u, double v) {
    return switch (op) {
      case ElementwiseKernels.ADD -> u + v;
      case ElementwiseKernels.SUB -> u - v;
      case ElementwiseKernels.MUL -> u * v;
      case ElementwiseKernels.DIV -> u / v;
      case ElementwiseKernels.POW -> Math.pow(u, v);
      case ElementwiseKernels.MAX -> Math.max(u, v);
      case ElementwiseKernels.MIN -> Math.min(u, v);
      case ElementwiseKernels.PRELU -> u < 0 ? u * v : u;
      default -> throw new IllegalArgumentException("op " + op);
    };
  }

  /** Row-major strides of a shape right-aligned into rank dims, 0 where it has size 1. */
  private static int[] broadcastStrides(int[] shape, int rank) {
    int[] strides = new int[rank];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[rank - shape.length + i] = shape[i] == 1 ? 0 : acc;
      acc *= shape[i];
    }
    return strides;
  }

  private static int[] binaryGeometry(int[] out, int[] aShape, int[] bShape) {
    int r = out.length;
    int[] g = new int[1 + 3 * r];
    g[0] = r;
    System.arraycopy(out, 0, g, 1, r);
    System.arraycopy(broadcastStrides(aShape, r), 0, g, 1 + r, r);
    System.arraycopy(broadcastStrides(bShape, r), 0, g, 1 + 2 * r, r);
    return g;
  }

  /** Naive broadcast: each operand coordinate is the output's, or 0 along its size-1 axes. */
  private static double[] naiveBinary(
      float[] a, int[] aShape, float[] b, int[] bShape, int[] out, int op) {
    int size = 1;
    for (int d : out) {
      size *= d;
    }
    double[] y = new double[size];
    int r = out.length;
    int[] coord = new int[r];
    for (int i = 0; i < size; i++) {
      int rem = i;
      for (int d = r - 1; d >= 0; d--) {
        coord[d] = rem % out[d];
        rem /= out[d];
      }
      y[i] = reference(op, a[flat(coord, aShape)], b[flat(coord, bShape)]);
    }
    return y;
  }

  private static int flat(int[] coord, int[] shape) {
    int index = 0;
    int lead = coord.length - shape.length;
    for (int d = 0; d < shape.length; d++) {
      index = index * shape[d] + (shape[d] == 1 ? 0 : coord[lead + d]);
    }
    return index;
  }

  private static float[] operand(Random random, int n, int op, boolean base) {
    float[] v = random(random, n);
    for (int i = 0; i < n; i++) {
      if (op == ElementwiseKernels.POW) {
        // Negative bases only with integral exponents, where a real power exists.
        v[i] = base ? v[i] * 3 : (float) Math.floor(v[i] * 7);
      } else if (op == ElementwiseKernels.DIV && !base) {
        v[i] = v[i] < 0 ? v[i] - 0.5f : v[i] + 0.5f;
      }
    }
    return v;
  }

  @ParameterizedTest(name = "op {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void binaryBroadcastsLikeNumpy(int op) {
    Random random = new Random(900 + op);
    int[] out = {3, 4, 5};
    int[][][] cases = {
      {{3, 4, 5}, {3, 4, 5}}, // same shape: the contiguous path
      {{3, 1, 5}, {4, 1}}, // both broadcast
      {{3, 4, 5}, {5}}, // per-last-axis
      {{1}, {3, 4, 5}}, // scalar on the left
      {{3, 4, 1}, {1, 4, 5}}
    };
    for (int[][] shapes : cases) {
      int[] aShape = shapes[0];
      int[] bShape = shapes[1];
      float[] a = operand(random, Arrays.stream(aShape).reduce(1, (p, q) -> p * q), op, true);
      float[] b = operand(random, Arrays.stream(bShape).reduce(1, (p, q) -> p * q), op, false);
      int[] g = binaryGeometry(out, aShape, bShape);
      float[] y =
          runWholeAndSplit(
              60, 60, (dst, lo, hi) -> ElementwiseKernels.binary(a, b, dst, g, op, lo, hi));
      double tolerance = op == ElementwiseKernels.POW ? 1e-6 : 1e-7;
      assertClose(naiveBinary(a, aShape, b, bShape, out, op), y, tolerance);
    }
  }

  @Test
  void binaryMayWriteOverEitherOperandWhenShapesEqual() {
    Random random = new Random(4242L);
    int[] shape = {7, 11};
    float[] a = random(random, 77);
    float[] b = random(random, 77);
    int[] g = binaryGeometry(shape, shape, shape);
    float[] y = new float[77];
    ElementwiseKernels.binary(a, b, y, g, ElementwiseKernels.SUB, 0, 77);
    float[] overA = a.clone();
    ElementwiseKernels.binary(overA, b, overA, g, ElementwiseKernels.SUB, 0, 77);
    float[] overB = b.clone();
    ElementwiseKernels.binary(a, overB, overB, g, ElementwiseKernels.SUB, 0, 77);
    assertArrayEquals(y, overA);
    assertArrayEquals(y, overB);
  }

  @Test
  void clipReadsItsBoundsFromTheirBuffersAndKeepsNaN() {
    float[] x = {-3f, -0.5f, 0f, 0.25f, 2f, Float.NaN, Float.NEGATIVE_INFINITY};
    float[] y = new float[x.length];
    ElementwiseKernels.clip(x, y, new float[] {-1f}, new float[] {0.5f}, 0, x.length);
    assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.25f, 0.5f, Float.NaN, -1f}, y);
    // ONNX: min above max gives max everywhere
    ElementwiseKernels.clip(x, y, new float[] {1f}, new float[] {0f}, 2, 5);
    assertArrayEquals(new float[] {0f, 0f, 0f}, java.util.Arrays.copyOfRange(y, 2, 5));
  }

  @Test
  void powerSpecialCases() {
    assertEquals(-8f, ElementwiseKernels.power(-2f, 3f), 1e-6f);
    assertEquals(4f, ElementwiseKernels.power(-2f, 2f), 1e-6f);
    assertEquals(-0.125f, ElementwiseKernels.power(-2f, -3f), 1e-7f);
    assertTrue(Float.isNaN(ElementwiseKernels.power(-2f, 0.5f)));
    assertEquals(0f, ElementwiseKernels.power(0f, 2f));
    assertEquals(Float.POSITIVE_INFINITY, ElementwiseKernels.power(0f, -1f));
    assertEquals(1f, ElementwiseKernels.power(-3.5f, 0f));
    assertEquals(3f, ElementwiseKernels.power(9f, 0.5f), 1e-6f);
  }

  @Test
  void batchNormAndScaleShift() {
    Random random = new Random(31337L);
    int n = 3;
    int c = 5;
    int spatial = 13;
    float eps = 1e-5f;
    float[] x = random(random, n * c * spatial);
    float[] scale = random(random, c);
    float[] bias = random(random, c);
    float[] mean = random(random, c);
    float[] var = random(random, c);
    for (int i = 0; i < c; i++) {
      var[i] = Math.abs(var[i]) + 0.01f;
    }
    float[] y =
        runWholeAndSplit(
            x.length,
            n * c,
            (out, lo, hi) ->
                ElementwiseKernels.batchNorm(
                    x, scale, bias, mean, var, out, eps, c, spatial, lo, hi));
    float[] shifted =
        runWholeAndSplit(
            x.length,
            n * c,
            (out, lo, hi) ->
                ElementwiseKernels.scaleShift(x, scale, bias, out, c, spatial, lo, hi));
    double[] wantBn = new double[x.length];
    double[] wantShift = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      int ch = (i / spatial) % c;
      wantBn[i] = scale[ch] * (x[i] - mean[ch]) / Math.sqrt(var[ch] + (double) eps) + bias[ch];
      wantShift[i] = (double) x[i] * scale[ch] + bias[ch];
    }
    assertClose(wantBn, y, 1e-5);
    assertClose(wantShift, shifted, 1e-6);
  }

  @Test
  void copyWithOffsets() {
    float[] x = new float[23];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 0.5f;
    }
    float[] y =
        runWholeAndSplit(19, 13, (out, lo, hi) -> ElementwiseKernels.copy(x, 7, out, 4, lo, hi));
    for (int i = 0; i < 19; i++) {
      if (i >= 4 && i < 17) {
        assertEquals(x[7 + i - 4], y[i], "element " + i);
      } else {
        assertTrue(Float.isNaN(y[i]), "element " + i + " outside the range was written");
      }
    }
  }
}
