package io.framegate.tests.conformance;

import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import java.util.Arrays;

/**
 * The comparison the ONNX backend test runner makes (numpy's {@code assert_allclose}): shapes equal
 * and, element by element, |actual − expected| ≤ atol + rtol·|expected|, NaN matching NaN and an
 * infinity only itself. INT64 values must be equal.
 */
record AllClose(double rtol, double atol) {

  /** The ONNX runner's defaults. */
  static final AllClose ONNX = new AllClose(1e-3, 1e-7);

  AllClose {
    if (!(rtol >= 0) || !(atol >= 0)) {
      throw new IllegalArgumentException(
          "tolerances must be ≥ 0, got rtol=" + rtol + " atol=" + atol);
    }
  }

  /**
   * Null when {@code actual} matches {@code expected}, else a description of the first mismatch.
   */
  String firstMismatch(Tensor actual, Tensor expected) {
    if (actual == null) {
      return "missing (expected " + expected.type() + Arrays.toString(expected.shape()) + ")";
    }
    if (actual.type() != expected.type()) {
      return "type " + actual.type() + ", expected " + expected.type();
    }
    int[] shape = expected.shape();
    if (!Arrays.equals(actual.shape(), shape)) {
      return "shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(shape);
    }
    if (expected.type() == DataType.INT64) {
      long[] a = actual.longs();
      long[] e = expected.longs();
      for (int i = 0; i < e.length; i++) {
        if (a[i] != e[i]) {
          return "at " + index(shape, i) + ": " + a[i] + ", expected " + e[i];
        }
      }
      return null;
    }
    float[] a = actual.floats();
    float[] e = expected.floats();
    for (int i = 0; i < e.length; i++) {
      if (!close(a[i], e[i])) {
        double tolerance = atol + rtol * Math.abs((double) e[i]);
        return "at "
            + index(shape, i)
            + ": "
            + a[i]
            + ", expected "
            + e[i]
            + " (|diff| "
            + (float) Math.abs((double) a[i] - e[i])
            + " > "
            + (float) tolerance
            + ")";
      }
    }
    return null;
  }

  boolean close(float actual, float expected) {
    if (Float.isNaN(expected) || Float.isNaN(actual)) {
      return Float.isNaN(expected) && Float.isNaN(actual);
    }
    if (Float.isInfinite(expected) || Float.isInfinite(actual)) {
      return actual == expected;
    }
    // in double, as numpy computes it, so that the bound itself does not round
    return Math.abs((double) actual - expected) <= atol + rtol * Math.abs((double) expected);
  }

  /** Row-major flat position → multi-index, e.g. {@code [1, 0, 2]}. */
  static String index(int[] shape, int flat) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] > 0) {
        idx[d] = flat % shape[d];
        flat /= shape[d];
      }
    }
    return Arrays.toString(idx);
  }
}
