package io.framegate.accelerator.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense row-major tensor (NCHW for images). FLOAT32 tensors hold a {@code float[]}, INT64 tensors
 * a {@code long[]}; the array is shared, not copied, so that plans can hand buffers to kernels
 * without copies.
 */
public final class Tensor {
  private final DataType type;
  private final int[] shape;
  private final float[] floats;
  private final long[] longs;

  private Tensor(DataType type, int[] shape, float[] floats, long[] longs) {
    this.type = type;
    this.shape = shape.clone();
    this.floats = floats;
    this.longs = longs;
    int n = Shapes.size(shape);
    int have = floats != null ? floats.length : longs.length;
    if (have != n) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " elements, data has " + have);
    }
  }

  public static Tensor of(float[] data, int... shape) {
    return new Tensor(DataType.FLOAT32, shape, Objects.requireNonNull(data), null);
  }

  public static Tensor ofLongs(long[] data, int... shape) {
    return new Tensor(DataType.INT64, shape, null, Objects.requireNonNull(data));
  }

  public static Tensor zeros(int... shape) {
    return of(new float[Shapes.size(shape)], shape);
  }

  public static Tensor scalar(float v) {
    return of(new float[] {v});
  }

  public DataType type() {
    return type;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int i) {
    return shape[i];
  }

  public int size() {
    return floats != null ? floats.length : longs.length;
  }

  /** The backing array of a FLOAT32 tensor (not a copy). */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("tensor is " + type + ", not FLOAT32");
    }
    return floats;
  }

  /** The backing array of an INT64 tensor (not a copy). */
  public long[] longs() {
    if (longs == null) {
      throw new IllegalStateException("tensor is " + type + ", not INT64");
    }
    return longs;
  }

  /** The same data under another shape with the same element count. */
  public Tensor reshape(int... newShape) {
    return new Tensor(type, newShape, floats, longs);
  }

  /** Values as longs whatever the type (floats are truncated); for shape-like inputs. */
  public long[] toLongs() {
    if (longs != null) {
      return longs.clone();
    }
    long[] out = new long[floats.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (long) floats[i];
    }
    return out;
  }

  /** Values as floats whatever the type. */
  public float[] toFloats() {
    if (floats != null) {
      return floats.clone();
    }
    float[] out = new float[longs.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = longs[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "Tensor[" + type + " " + Arrays.toString(shape) + "]";
  }
}
