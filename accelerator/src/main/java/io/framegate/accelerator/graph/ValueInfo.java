package io.framegate.accelerator.graph;

import io.framegate.accelerator.tensor.DataType;
import java.util.Arrays;
import java.util.List;

/**
 * A named value's element type and shape. A dimension of -1 is not known yet (a symbolic dimension
 * such as a batch size, named in {@code dimNames}); plans are only built once every dimension is
 * known.
 */
public record ValueInfo(String name, DataType type, int[] shape, List<String> dimNames) {

  public ValueInfo {
    shape = shape.clone();
    dimNames =
        dimNames == null
            ? null
            : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(dimNames));
  }

  public static ValueInfo of(String name, DataType type, int... shape) {
    return new ValueInfo(name, type, shape, null);
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public boolean isStatic() {
    for (int d : shape) {
      if (d < 0) {
        return false;
      }
    }
    return true;
  }

  public ValueInfo withShape(int... newShape) {
    return new ValueInfo(name, type, newShape, null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValueInfo v
        && v.name.equals(name)
        && v.type == type
        && Arrays.equals(v.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ":" + type + Arrays.toString(shape);
  }
}
