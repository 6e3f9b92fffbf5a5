package io.framegate.accelerator.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;

/** What every kernel test does: run a kernel whole and split, on seeded random data. */
final class KernelRuns {
  private KernelRuns() {}

  /** A kernel launch over [lo, hi) writing into y. */
  interface RangeKernel {
    void run(float[] y, int lo, int hi);
  }

  /**
   * Runs the kernel over [0, total) at once and again in three uneven chunks; both must produce the
   * same bits. Outputs start as NaN so unwritten elements show.
   */
  static float[] runWholeAndSplit(int outputLength, int total, RangeKernel kernel) {
    float[] whole = new float[outputLength];
    Arrays.fill(whole, Float.NaN);
    kernel.run(whole, 0, total);
    float[] split = new float[outputLength];
    Arrays.fill(split, Float.NaN);
    int first = total / 5;
    int second = first + (total - first) * 2 / 3;
    kernel.run(split, 0, first);
    kernel.run(split, first, second);
    kernel.run(split, second, total);
    assertArrayEquals(whole, split, "chunked run differs from whole run");
    return whole;
  }

  /** Uniform values in [−1, 1). */
  static float[] random(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }
}
