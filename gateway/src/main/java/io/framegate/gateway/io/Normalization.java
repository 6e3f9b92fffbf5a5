package io.framegate.gateway.io;

import io.framegate.accelerator.error.InvalidModelException;
import java.util.Arrays;
import java.util.Map;

/**
 * Per-channel {@code (x − mean[c]) / std[c]} applied to pixels already scaled to [0, 1]. A model
 * declares it in its metadata as comma lists under {@code framegate.mean} and {@code
 * framegate.std}; without them pixels stay in [0, 1].
 */
public record Normalization(float[] mean, float[] std) {
  public static final String MEAN_KEY = "framegate.mean";
  public static final String STD_KEY = "framegate.std";

  public Normalization {
    if (mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean has " + mean.length + " values but std has " + std.length);
    }
    for (float s : std) {
      if (!(s != 0 && Float.isFinite(s))) {
        throw new IllegalArgumentException("std values must be finite and non-zero");
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** Mean 0 and std 1 for every channel. */
  public static Normalization identity(int channels) {
    float[] ones = new float[channels];
    Arrays.fill(ones, 1f);
    return new Normalization(new float[channels], ones);
  }

  /**
   * Reads the model metadata; one value applies to every channel, otherwise one per channel.
   *
   * @throws InvalidModelException when the lists are malformed or of the wrong length
   */
  public static Normalization fromMetadata(Map<String, String> metadata, int channels) {
    float[] mean = list(metadata, MEAN_KEY, 0f, channels);
    float[] std = list(metadata, STD_KEY, 1f, channels);
    for (float s : std) {
      if (s == 0 || !Float.isFinite(s)) {
        throw new InvalidModelException(
            "model metadata "
                + STD_KEY
                + " has a zero or non-finite value: "
                + metadata.get(STD_KEY));
      }
    }
    return new Normalization(mean, std);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  public int channels() {
    return mean.length;
  }

  private static float[] list(Map<String, String> metadata, String key, float absent, int n) {
    String text = metadata.get(key);
    float[] out = new float[n];
    if (text == null || text.isBlank()) {
      Arrays.fill(out, absent);
      return out;
    }
    String[] parts = text.split(",");
    if (parts.length != 1 && parts.length != n) {
      throw new InvalidModelException(
          "model metadata "
              + key
              + " has "
              + parts.length
              + " values for "
              + n
              + " channels: '"
              + text
              + "'");
    }
    for (int c = 0; c < n; c++) {
      String part = parts[parts.length == 1 ? 0 : c].trim();
      try {
        out[c] = Float.parseFloat(part);
      } catch (NumberFormatException e) {
        throw new InvalidModelException(
            "model metadata " + key + " has a value that is not a number: '" + part + "'");
      }
    }
    return out;
  }
}
