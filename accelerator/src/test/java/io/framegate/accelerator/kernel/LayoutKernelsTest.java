package io.framegate.accelerator.kernel;

import static io.framegate.accelerator.kernel.KernelRuns.random;
import static io.framegate.accelerator.kernel.KernelRuns.runWholeAndSplit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayoutKernelsTest {

  private static int[] gatherGeometry(int offset, int[] shape, int[] strides) {
    int r = shape.length;
    int[] g = new int[2 + 2 * r];
    g[0] = r;
    g[1] = offset;
    System.arraycopy(shape, 0, g, 2, r);
    System.arraycopy(strides, 0, g, 2 + r, r);
    return g;
  }

  @Test
  void gatherTransposes() {
    // x: [3,4,5]; y = transpose(x, perm=(2,0,1)): [5,3,4], y[i,j,k] = x[j,k,i].
    float[] x = random(new Random(1L), 60);
    int[] g = gatherGeometry(0, new int[] {5, 3, 4}, new int[] {1, 20, 5});
    float[] y = runWholeAndSplit(60, 60, (out, lo, hi) -> LayoutKernels.gather(x, out, g, lo, hi));
    float[] want = new float[60];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          want[(i * 3 + j) * 4 + k] = x[(j * 4 + k) * 5 + i];
        }
      }
    }
    assertArrayEquals(want, y);
  }

  @Test
  void gatherSlicesWithNegativeAndPositiveSteps() {
    // x: [7,9]; rows 5,3,1 (step −2), columns 1,4,7 (step 3).
    float[] x = random(new Random(2L), 63);
    int[] g = gatherGeometry(5 * 9 + 1, new int[] {3, 3}, new int[] {-18, 3});
    float[] y = runWholeAndSplit(9, 9, (out, lo, hi) -> LayoutKernels.gather(x, out, g, lo, hi));
    int[] rows = {5, 3, 1};
    int[] cols = {1, 4, 7};
    float[] want = new float[9];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        want[r * 3 + c] = x[rows[r] * 9 + cols[c]];
      }
    }
    assertArrayEquals(want, y);
  }

  @Test
  void gatherExpandsWithZeroStrides() {
    // x: [3,1] expanded to [2,3,5].
    float[] x = {1.5f, -2f, 7f};
    int[] g = gatherGeometry(0, new int[] {2, 3, 5}, new int[] {0, 1, 0});
    float[] y = runWholeAndSplit(30, 30, (out, lo, hi) -> LayoutKernels.gather(x, out, g, lo, hi));
    float[] want = new float[30];
    for (int i = 0; i < 30; i++) {
      want[i] = x[(i / 5) % 3];
    }
    assertArrayEquals(want, y);
  }

  /** Mirror without repeating the edge, as many times as needed. */
  private static int reflect(int p, int n) {
    if (n == 1) {
      return 0;
    }
    while (p < 0 || p >= n) {
      p = p < 0 ? -p : 2 * (n - 1) - p;
    }
    return p;
  }

  private static float[] naivePad(
      float[] x, int[] in, int[] begin, int[] out, int mode, float value) {
    int r = in.length;
    int size = 1;
    for (int d : out) {
      size *= d;
    }
    float[] y = new float[size];
    int[] coord = new int[r];
    for (int i = 0; i < size; i++) {
      int rem = i;
      for (int d = r - 1; d >= 0; d--) {
        coord[d] = rem % out[d];
        rem /= out[d];
      }
      int src = 0;
      boolean outside = false;
      for (int d = 0; d < r; d++) {
        int p = coord[d] - begin[d];
        if (p < 0 || p >= in[d]) {
          switch (mode) {
            case LayoutKernels.PAD_EDGE -> p = p < 0 ? 0 : in[d] - 1;
            case LayoutKernels.PAD_REFLECT -> p = reflect(p, in[d]);
            default -> outside = true;
          }
        }
        src = src * in[d] + (outside ? 0 : p);
      }
      y[i] = outside ? value : x[src];
    }
    return y;
  }

  private static int[] padGeometry(int[] out, int[] in, int[] begin) {
    int r = out.length;
    int[] g = new int[1 + 3 * r];
    g[0] = r;
    System.arraycopy(out, 0, g, 1, r);
    System.arraycopy(in, 0, g, 1 + r, r);
    System.arraycopy(begin, 0, g, 1 + 2 * r, r);
    return g;
  }

  @ParameterizedTest(name = "mode {0}")
  @ValueSource(ints = {0, 1, 2})
  void padWithNegativeCropsAndEveryMode(int mode) {
    int[] in = {2, 3, 5};
    int[] begin = {0, 2, -1};
    int[] end = {1, 1, 3};
    int[] out = new int[3];
    for (int d = 0; d < 3; d++) {
      out[d] = in[d] + begin[d] + end[d];
    }
    float[] x = random(new Random(3L + mode), 30);
    int[] g = padGeometry(out, in, begin);
    int size = out[0] * out[1] * out[2];
    float[] y =
        runWholeAndSplit(
            size,
            size,
            (dst, lo, hi) -> LayoutKernels.pad(x, dst, g, mode, new float[] {0.25f}, lo, hi));
    assertArrayEquals(naivePad(x, in, begin, out, mode, 0.25f), y);
  }

  @Test
  void reflectPaddingWiderThanTheInput() {
    int[] in = {4};
    int[] begin = {7};
    int[] out = {4 + 7 + 9};
    float[] x = {1, 2, 3, 4};
    int[] g = padGeometry(out, in, begin);
    float[] y =
        runWholeAndSplit(
            out[0],
            out[0],
            (dst, lo, hi) -> LayoutKernels.pad(x, dst, g, 1, new float[] {0f}, lo, hi));
    assertArrayEquals(naivePad(x, in, begin, out, 1, 0f), y);
    // Positions −7..−1 mirror with period 2(n−1) = 6: 2 1 2 3 4 3 2, then 1 2 3 4 itself.
    assertArrayEquals(new float[] {2, 1, 2, 3, 4, 3, 2}, Arrays.copyOfRange(y, 0, 7));
  }

  @Test
  void copyBlocksConcatenatesAlongAnAxis() {
    // concat([2,3,5], [2,4,5], axis=1) → [2,7,5]
    Random random = new Random(4L);
    float[] first = random(random, 30);
    float[] second = random(random, 40);
    float[] y = new float[70];
    Arrays.fill(y, Float.NaN);
    LayoutKernels.copyBlocks(first, y, 15, 35, 0, 0, 1);
    LayoutKernels.copyBlocks(first, y, 15, 35, 0, 1, 2);
    LayoutKernels.copyBlocks(second, y, 20, 35, 15, 0, 2);
    float[] want = new float[70];
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 7; c++) {
        for (int s = 0; s < 5; s++) {
          want[(n * 7 + c) * 5 + s] =
              c < 3 ? first[(n * 3 + c) * 5 + s] : second[(n * 4 + c - 3) * 5 + s];
        }
      }
    }
    assertArrayEquals(want, y);

    // The whole/split check on one input: elements of the other input stay untouched (NaN).
    runWholeAndSplit(
        70, 2, (dst, lo, hi) -> LayoutKernels.copyBlocks(second, dst, 20, 35, 15, lo, hi));
  }

  @Test
  void gatherAxisPicksIndexedSlices() {
    // x: [3,6,4]; indices on axis 1 → y: [3,5,4]
    float[] x = random(new Random(5L), 72);
    int[] indices = {5, 0, 5, 2, 1};
    float[] y =
        runWholeAndSplit(
            60, 15, (out, lo, hi) -> LayoutKernels.gatherAxis(x, out, indices, 6, 4, lo, hi));
    float[] want = new float[60];
    for (int o = 0; o < 3; o++) {
      for (int j = 0; j < 5; j++) {
        for (int e = 0; e < 4; e++) {
          want[(o * 5 + j) * 4 + e] = x[(o * 6 + indices[j]) * 4 + e];
        }
      }
    }
    assertArrayEquals(want, y);
  }
}
