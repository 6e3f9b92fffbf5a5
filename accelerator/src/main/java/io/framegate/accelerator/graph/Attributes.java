package io.framegate.accelerator.graph;

import io.framegate.accelerator.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's attributes. Values are Long, Float, String, long[], float[], List&lt;String&gt; or
 * Tensor, as the ONNX attribute types INT, FLOAT, STRING, INTS, FLOATS, STRINGS and TENSOR.
 */
public final class Attributes {
  private final Map<String, Object> values;

  public Attributes(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public static Attributes empty() {
    return new Attributes(Map.of());
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public Set<String> names() {
    return values.keySet();
  }

  public Object raw(String name) {
    return values.get(name);
  }

  public long getInt(String name, long defaultValue) {
    Object v = values.get(name);
    return v == null ? defaultValue : typed(name, v, Long.class);
  }

  public float getFloat(String name, float defaultValue) {
    Object v = values.get(name);
    if (v instanceof Long l) {
      return l;
    }
    return v == null ? defaultValue : typed(name, v, Float.class);
  }

  public String getString(String name, String defaultValue) {
    Object v = values.get(name);
    return v == null ? defaultValue : typed(name, v, String.class);
  }

  /** An INTS attribute, or {@code defaultValue} (may be null) when absent. */
  public long[] getInts(String name, long[] defaultValue) {
    Object v = values.get(name);
    return v == null ? defaultValue : typed(name, v, long[].class).clone();
  }

  public float[] getFloats(String name, float[] defaultValue) {
    Object v = values.get(name);
    return v == null ? defaultValue : typed(name, v, float[].class).clone();
  }

  @SuppressWarnings("unchecked")
  public List<String> getStrings(String name, List<String> defaultValue) {
    Object v = values.get(name);
    return v == null ? defaultValue : typed(name, v, List.class);
  }

  public Tensor getTensor(String name) {
    Object v = values.get(name);
    return v == null ? null : typed(name, v, Tensor.class);
  }

  private static <T> T typed(String name, Object v, Class<T> type) {
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException(
          "attribute '"
              + name
              + "' should be "
              + type.getSimpleName()
              + " but is "
              + v.getClass().getSimpleName());
    }
    return type.cast(v);
  }

  @Override
  public String toString() {
    return values.keySet().toString();
  }
}
