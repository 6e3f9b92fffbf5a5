package io.framegate.accelerator.kernel;

/** Softmax, log-softmax and hardmax along one axis of a tensor seen as [outer][L][inner]. */
public final class SoftmaxKernels {
  private SoftmaxKernels() {}

  /**
   * Y(l) = e^(X(l)−max)/Σ_k e^(X(k)−max), or with logarithm=1 Y(l) = X(l) − max − ln Σ_k
   * e^(X(k)−max); range i ∈ [0, outer·inner), i = o·inner+in; x == y allowed. (A parameter named
   * {@code log} would shadow OpenCL's log() in the kernel TornadoVM generates.)
   */
  public static void softmax(
      float[] x, float[] y, int axisLength, int inner, int logarithm, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int base = (i / inner) * axisLength * inner + i % inner;
      float max = Float.NEGATIVE_INFINITY;
      for (int l = 0; l < axisLength; l++) {
        max = Math.max(max, x[base + l * inner]);
      }
      // The sum is kept in double: with one dominant term it is 1 + tiny, and log-softmax of
      // the maximum is −ln(1 + tiny), which float addition would round to a few ulps of 1.
      double sum = 0.0;
      if (logarithm != 0) {
        for (int l = 0; l < axisLength; l++) {
          sum += (float) Math.exp((double) x[base + l * inner] - max);
        }
        double logSum = Math.log(sum);
        for (int l = 0; l < axisLength; l++) {
          y[base + l * inner] = (float) ((double) x[base + l * inner] - max - logSum);
        }
      } else {
        for (int l = 0; l < axisLength; l++) {
          float e = (float) Math.exp((double) x[base + l * inner] - max);
          y[base + l * inner] = e;
          sum += e;
        }
        for (int l = 0; l < axisLength; l++) {
          y[base + l * inner] = (float) (y[base + l * inner] / sum);
        }
      }
    }
  }

  /**
   * Y(l) = 1 if l is the first index of max_k X(k), else 0; range i ∈ [0, outer·inner); x == y
   * allowed.
   */
  public static void hardmax(float[] x, float[] y, int axisLength, int inner, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int base = (i / inner) * axisLength * inner + i % inner;
      int arg = 0;
      float max = x[base];
      for (int l = 1; l < axisLength; l++) {
        float v = x[base + l * inner];
        if (v > max) {
          max = v;
          arg = l;
        }
      }
      for (int l = 0; l < axisLength; l++) {
        y[base + l * inner] = l == arg ? 1f : 0f;
      }
    }
  }
}
