package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.ElementwiseKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise and pooling kernels over contiguous data, a vector at a time with a scalar tail. */
final class ElementwiseVector {
  private ElementwiseVector() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /** Y(i) = act(X(i)) for the activations {@link Sgemm#vectorActivation} accepts; i ∈ [lo, hi). */
  static void activation(float[] x, float[] y, int act, float p, float q, int lo, int hi) {
    int i = lo;
    for (; i + VL <= hi; i += VL) {
      Sgemm.activate(x, i, y, i, act, p, q);
    }
    for (; i < hi; i++) {
      y[i] = io.framegate.accelerator.kernel.Activation.apply(act, x[i], p, q);
    }
  }

  /** Y(i) = A(i) ∘ B(i) for ∘ ∈ {+, −, ·} on operands of the same shape; i ∈ [lo, hi). */
  static void binary(float[] a, float[] b, float[] y, int op, int lo, int hi) {
    int i = lo;
    for (; i + VL <= hi; i += VL) {
      FloatVector u = FloatVector.fromArray(S, a, i);
      FloatVector v = FloatVector.fromArray(S, b, i);
      FloatVector r =
          op == ElementwiseKernels.ADD
              ? u.add(v)
              : op == ElementwiseKernels.SUB ? u.sub(v) : u.mul(v);
      r.intoArray(y, i);
    }
    for (; i < hi; i++) {
      y[i] =
          op == ElementwiseKernels.ADD
              ? a[i] + b[i]
              : op == ElementwiseKernels.SUB ? a[i] - b[i] : a[i] * b[i];
    }
  }

  /** Y(i) = Σ_s X(i·n + s) / n (average) or max_s X(i·n + s); range i ∈ [lo, hi) planes. */
  static void globalPool(float[] x, float[] y, int n, boolean max, int lo, int hi) {
    int bound = S.loopBound(n);
    for (int i = lo; i < hi; i++) {
      int base = i * n;
      if (max) {
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
          FloatVector acc = FloatVector.fromArray(S, x, base);
          for (int s = VL; s < bound; s += VL) {
            acc = acc.max(FloatVector.fromArray(S, x, base + s));
          }
          m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (int s = bound; s < n; s++) {
          m = Math.max(m, x[base + s]);
        }
        y[i] = m;
      } else {
        // in order, as the reference kernel sums: a plane holds a few dozen values
        float sum = 0f;
        for (int s = base; s < base + n; s++) {
          sum += x[s];
        }
        y[i] = sum / n;
      }
    }
  }

  /**
   * Y(r, l) = e^(X(r, l) − m_r) / Σ_l e^(X(r, l) − m_r), m_r = max_l X(r, l), over the contiguous
   * rows [lo, hi) of length {@code n}. The exponentials are vector operations and the sum is per
   * lane in float, so results differ from the reference kernel's (double sum) by a few ulps.
   */
  static void softmax(float[] x, float[] y, int n, int lo, int hi) {
    for (int r = lo; r < hi; r++) {
      int base = r * n;
      int end = base + n;
      FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      int i = base;
      for (; i + VL <= end; i += VL) {
        mv = mv.max(FloatVector.fromArray(S, x, i));
      }
      float max = mv.reduceLanes(VectorOperators.MAX);
      for (; i < end; i++) {
        max = Math.max(max, x[i]);
      }
      FloatVector m = FloatVector.broadcast(S, max);
      FloatVector sv = FloatVector.zero(S);
      i = base;
      for (; i + VL <= end; i += VL) {
        FloatVector e = FloatVector.fromArray(S, x, i).sub(m).lanewise(VectorOperators.EXP);
        e.intoArray(y, i);
        sv = sv.add(e);
      }
      float sum = Sgemm.sum(sv);
      for (; i < end; i++) {
        float e = (float) Math.exp(x[i] - max);
        y[i] = e;
        sum += e;
      }
      FloatVector inv = FloatVector.broadcast(S, 1f / sum);
      i = base;
      for (; i + VL <= end; i += VL) {
        FloatVector.fromArray(S, y, i).mul(inv).intoArray(y, i);
      }
      for (; i < end; i++) {
        y[i] /= sum;
      }
    }
  }
}
