package io.framegate.accelerator.tensor;

import java.util.Arrays;

/** Arithmetic on shapes (arrays of dimension sizes, outermost first). */
public final class Shapes {
  private Shapes() {}

  /** Number of elements; throws if it does not fit an int (a Java array's limit). */
  public static int size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
      }
    }
    return (int) n;
  }

  /** Row-major strides, in elements. */
  public static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** Product of dims [from, to). */
  public static int product(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= shape[i];
    }
    return p;
  }

  /** Normalises a possibly negative axis against a rank, naming what it is for in the error. */
  public static int axis(long axis, int rank, String what) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException(
          what + " axis " + axis + " is out of range for rank " + rank);
    }
    return (int) a;
  }

  /** Numpy (multidirectional) broadcast of two shapes. */
  public static int[] broadcast(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
      int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(
            "shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /**
   * Strides for reading a tensor of shape {@code from} as if it had the broadcast shape {@code to}:
   * broadcast dimensions get stride 0.
   */
  public static int[] broadcastStrides(int[] from, int[] to) {
    int[] s = strides(from);
    int[] out = new int[to.length];
    int off = to.length - from.length;
    for (int i = 0; i < to.length; i++) {
      int j = i - off;
      out[i] = j < 0 || from[j] == 1 ? 0 : s[j];
    }
    return out;
  }

  public static String toString(int[] shape) {
    return Arrays.toString(shape);
  }
}
