package io.framegate.accelerator.kernel;

/** Element-wise kernels: activations, broadcast binary operators, batch norm and copies. */
public final class ElementwiseKernels {
  private ElementwiseKernels() {}

  /** Binary operator codes. */
  public static final int ADD = 0;

  public static final int SUB = 1;
  public static final int MUL = 2;
  public static final int DIV = 3;
  public static final int POW = 4;
  public static final int MAX = 5;
  public static final int MIN = 6;

  /** y = a &lt; 0 ? a·b : a (b is the slope). */
  public static final int PRELU = 7;

  /** Y(i) = act(X(i); a, b); x == y allowed; range = element count. */
  public static void activation(float[] x, float[] y, int act, float a, float b, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      y[i] = Activation.apply(act, x[i], a, b);
    }
  }

  /**
   * Y(i) = min(max(X(i), lower[0]), upper[0]): Clip with bounds read from one-element arrays, so
   * that bounds computed at run time stay on the device. (Not min/max: OpenCL built-ins.)
   */
  public static void clip(float[] x, float[] y, float[] lower, float[] upper, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      y[i] = Math.min(Math.max(x[i], lower[0]), upper[0]);
    }
  }

  /**
   * Y(i) = A(i·sa) ∘ B(i·sb) with numpy broadcasting: g = [r, shape(r), aStrides(r), bStrides(r)],
   * stride 0 where an operand broadcasts. Range = output element count; y may be a or b when their
   * shapes equal the output's.
   */
  public static void binary(float[] a, float[] b, float[] y, int[] g, int op, int lo, int hi) {
    int rank = g[0];
    // Same-shape operands (both stride sets contiguous) skip the per-element index unravel.
    int contiguous = 1;
    int expected = 1;
    for (int d = rank - 1; d >= 0; d--) {
      if (g[1 + rank + d] != expected || g[1 + 2 * rank + d] != expected) {
        contiguous = 0;
      }
      expected *= g[1 + d];
    }
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      if (contiguous != 0) {
        y[i] = combine(op, a[i], b[i]);
      } else {
        int rem = i;
        int ia = 0;
        int ib = 0;
        for (int d = rank - 1; d >= 0; d--) {
          int size = g[1 + d];
          int idx = rem % size;
          rem /= size;
          ia += idx * g[1 + rank + d];
          ib += idx * g[1 + 2 * rank + d];
        }
        y[i] = combine(op, a[ia], b[ib]);
      }
    }
  }

  /** u ∘ v for one operator code; unknown codes yield u. */
  static float combine(int op, float u, float v) {
    if (op == ADD) {
      return u + v;
    } else if (op == SUB) {
      return u - v;
    } else if (op == MUL) {
      return u * v;
    } else if (op == DIV) {
      return u / v;
    } else if (op == POW) {
      return power(u, v);
    } else if (op == MAX) {
      return Math.max(u, v);
    } else if (op == MIN) {
      return Math.min(u, v);
    } else if (op == PRELU) {
      return u < 0f ? u * v : u;
    }
    return u;
  }

  /**
   * u^v with Java's rules for the special cases (0^−v = ∞, negative bases only for integral
   * exponents). Math.pow maps to the device's pow(); Math.floor, which an integral test would need,
   * does not (TornadoVM's OpenCL backend fails on its bit-level fallback).
   */
  static float power(float u, float v) {
    return (float) Math.pow(u, v);
  }

  /** Y(n,c,s) = γ(c)·(X(n,c,s) − μ(c))/√(σ²(c)+ε) + β(c); range i ∈ [0, N·C), c = i mod C. */
  public static void batchNorm(
      float[] x,
      float[] scale,
      float[] bias,
      float[] mean,
      float[] var,
      float[] y,
      float eps,
      int channels,
      int spatial,
      int lo,
      int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int c = i % channels;
      float k = (float) (scale[c] / Math.sqrt((double) var[c] + eps));
      float mu = mean[c];
      float beta = bias[c];
      int base = i * spatial;
      for (int s = 0; s < spatial; s++) {
        y[base + s] = (x[base + s] - mu) * k + beta;
      }
    }
  }

  /** Y(n,c,s) = X(n,c,s)·a(c) + b(c); range i ∈ [0, N·C), c = i mod C; x == y allowed. */
  public static void scaleShift(
      float[] x,
      float[] scale,
      float[] shift,
      float[] y,
      int channels,
      int spatial,
      int lo,
      int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int c = i % channels;
      float k = scale[c];
      float t = shift[c];
      int base = i * spatial;
      for (int s = 0; s < spatial; s++) {
        y[base + s] = x[base + s] * k + t;
      }
    }
  }

  /** Y(yOff+i) = X(xOff+i); range = element count. */
  public static void copy(float[] x, int xOff, float[] y, int yOff, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      y[yOff + i] = x[xOff + i];
    }
  }
}
