package io.framegate.accelerator.tfjs;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegate.accelerator.error.InvalidModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a TF.js model: the {@code weightsManifest} entries read, in manifest order, from
 * the concatenated shard bytes (little-endian), dequantised to float32.
 *
 * <p>Quantised weights ({@code quantization.dtype} uint8 or uint16) store {@code q} with {@code
 * value = q·scale + min}; float16 stores IEEE half floats.
 */
final class TfjsWeights {
  /** One named weight, Keras layout (e.g. HWIO for Conv2D kernels). */
  record Weight(String name, int[] shape, float[] data) {}

  private TfjsWeights() {}

  /** Decodes every weight of every group; {@code data} is all groups' shards, concatenated. */
  static Map<String, Weight> decode(JsonNode manifest, byte[] data, String source) {
    if (!manifest.isArray()) {
      throw new InvalidModelException(source + ": weightsManifest is missing or not a list");
    }
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Weight> out = new LinkedHashMap<>();
    for (JsonNode group : manifest) {
      for (JsonNode spec : group.path("weights")) {
        Weight w = read(spec, in, source);
        out.put(w.name(), w);
      }
    }
    if (in.hasRemaining()) {
      throw new InvalidModelException(
          source
              + ": the weight files hold "
              + data.length
              + " bytes but the manifest describes "
              + in.position()
              + "; wrong or misordered weight files?");
    }
    return out;
  }

  private static Weight read(JsonNode spec, ByteBuffer in, String source) {
    String name = spec.path("name").asText();
    int[] shape = new int[spec.path("shape").size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = spec.path("shape").get(i).asInt();
      count *= shape[i];
    }
    if (count > Integer.MAX_VALUE / 4) {
      throw new InvalidModelException(source + ": weight " + name + " is too large");
    }
    int n = (int) count;
    String dtype = spec.path("dtype").asText("float32");
    JsonNode q = spec.path("quantization");
    String storage = q.isObject() ? q.path("dtype").asText() : dtype;
    int bytes =
        switch (storage) {
          case "float32", "int32" -> 4;
          case "uint16", "float16" -> 2;
          case "uint8" -> 1;
          default ->
              throw new InvalidModelException(
                  source + ": weight " + name + " has unsupported dtype " + storage);
        };
    if (!dtype.equals("float32") && !dtype.equals("int32")) {
      throw new InvalidModelException(
          source + ": weight " + name + " has unsupported dtype " + dtype);
    }
    if (in.remaining() < (long) n * bytes) {
      throw new InvalidModelException(
          source
              + ": the weight files end inside weight "
              + name
              + " (shape "
              + Arrays.toString(shape)
              + "); missing shard?");
    }
    float[] v = new float[n];
    // in double, as TF.js dequantises (JavaScript numbers) before storing float32
    double scale = q.path("scale").asDouble(1);
    double min = q.path("min").asDouble(0);
    switch (storage) {
      case "float32" -> in.asFloatBuffer().get(v);
      case "int32" -> {
        for (int i = 0; i < n; i++) {
          v[i] = in.getInt(in.position() + 4 * i);
        }
      }
      case "float16" -> {
        for (int i = 0; i < n; i++) {
          v[i] = Float.float16ToFloat(in.getShort(in.position() + 2 * i));
        }
      }
      // value = q·scale + min
      case "uint16" -> {
        for (int i = 0; i < n; i++) {
          v[i] = (float) ((in.getShort(in.position() + 2 * i) & 0xffff) * scale + min);
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          v[i] = (float) ((in.get(in.position() + i) & 0xff) * scale + min);
        }
      }
    }
    in.position(in.position() + n * bytes);
    return new Weight(name, shape, v);
  }
}
