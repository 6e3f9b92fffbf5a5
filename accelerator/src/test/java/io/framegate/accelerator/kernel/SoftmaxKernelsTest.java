package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SoftmaxKernelsTest {

  @ParameterizedTest(name = "outer={0} L={1} inner={2} log={3}")
  @CsvSource({"3,7,5,0", "3,7,5,1", "11,9,1,0", "11,9,1,1", "1,13,3,0", "2,1,4,1"})
  void softmaxMatchesNaive(int outer, int length, int inner, int log) {
    Random random = new Random(outer * 1000 + length * 10 + inner + log);
    int size = outer * length * inner;
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      // Large magnitudes: without the max subtraction e^x would overflow.
      x[i] = (random.nextFloat() * 2 - 1) * 120f;
    }
    float[] y =
        runWholeAndSplit(
            size,
            outer * inner,
            (out, lo, hi) -> SoftmaxKernels.softmax(x, out, length, inner, log, lo, hi));
    double[] want = new double[size];
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < length; l++) {
          max = Math.max(max, x[(o * length + l) * inner + in]);
        }
        double sum = 0;
        for (int l = 0; l < length; l++) {
          sum += Math.exp(x[(o * length + l) * inner + in] - max);
        }
        for (int l = 0; l < length; l++) {
          int idx = (o * length + l) * inner + in;
          double shifted = x[idx] - max;
          want[idx] = log == 1 ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
        }
      }
    }
    for (int i = 0; i < size; i++) {
      // Softmax outputs can be tiny: compare relatively (ONNX rtol), with a negligible floor.
      if (!(Math.abs(want[i] - y[i]) <= 1e-5 * Math.abs(want[i]) + 1e-30)) {
        fail("element " + i + ": expected " + want[i] + ", got " + y[i]);
      }
    }

    float[] inPlace = x.clone();
    SoftmaxKernels.softmax(inPlace, inPlace, length, inner, log, 0, outer * inner);
    assertArrayEquals(y, inPlace, "in-place result differs");
  }

  @Test
  void hardmaxMarksTheFirstMaximum() {
    int outer = 4;
    int length = 9;
    int inner = 3;
    int size = outer * length * inner;
    Random random = new Random(2718L);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = random.nextInt(4); // many ties
    }
    float[] y =
        runWholeAndSplit(
            size,
            outer * inner,
            (out, lo, hi) -> SoftmaxKernels.hardmax(x, out, length, inner, lo, hi));
    float[] want = new float[size];
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        int best = -1;
        for (int l = 0; l < length; l++) {
          int idx = (o * length + l) * inner + in;
          if (best < 0 || x[idx] > x[best]) {
            best = idx;
          }
        }
        want[best] = 1f;
      }
    }
    assertArrayEquals(want, y);
    float[] inPlace = x.clone();
    SoftmaxKernels.hardmax(inPlace, inPlace, length, inner, 0, outer * inner);
    assertArrayEquals(want, inPlace);
    assertEquals(outer * inner, (int) sum(y));
  }

  private static double sum(float[] v) {
    double s = 0;
    for (float f : v) {
      s += f;
    }
    return s;
  }
}
