package io.framegate.gateway.repository;

import io.framegate.accelerator.vector.VectorBackend;
import io.framegate.gateway.config.ConfigException;
import io.framegate.gateway.config.YamlFields;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.ingest.ChannelOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model folder's {@code config.yaml}:
 *
 * <pre>
 * input: images                  # the image input; default: the model's only input
 * mean: [0.485, 0.456, 0.406]    # per channel, applied as (x/255 − mean) / std; default 0
 * std: [0.229, 0.224, 0.225]     # default 1
 * channel_order: RGB             # or BGR; default RGB
 * labels: labels.txt             # one class name per line, next to config.yaml; optional
 * max_batch: 8                   # default 8
 * max_delay_ms: 5                # default 5
 * queue_capacity: 64             # default 8 · max_batch
 * backend: jvm-vector            # default jvm-vector
 * shadow_every: 100              # re-check 1 in N device batches on the JVM reference; 0: off;
 *                                # default 100 on devices, 0 on the JVM backends
 * profiles:                      # optional overrides picked by 'framegate serve --profile NAME'
 *   edge: {backend: jvm-reference, max_batch: 4}
 * </pre>
 *
 * @param input null for the model's only input
 * @param mean null for zeros
 * @param std null for ones
 * @param labels a file name relative to the model folder, or null
 * @param serving the settings without a profile
 * @param profiles overrides by profile name
 */
public record ModelConfig(
    String input,
    float[] mean,
    float[] std,
    ChannelOrder channelOrder,
    String labels,
    Serving serving,
    Map<String, Serving> profiles) {

  public static final String FILE_NAME = "config.yaml";

  private static final Set<String> FIELDS =
      Set.of(
          "input",
          "mean",
          "std",
          "channel_order",
          "labels",
          "max_batch",
          "max_delay_ms",
          "queue_capacity",
          "backend",
          "shadow_every",
          "profiles");
  private static final Set<String> PROFILE_FIELDS =
      Set.of("max_batch", "max_delay_ms", "queue_capacity", "backend", "shadow_every");

  /**
   * How a model is batched and where it runs.
   *
   * @param shadowEvery one in how many device batches is re-checked on the JVM reference (0: off);
   *     -1 for the default, which depends on the backend ({@link #shadowEvery(boolean)})
   */
  public record Serving(
      String backend, int maxBatch, long maxDelayMs, int queueCapacity, int shadowEvery) {
    /** Device batches re-checked by default: about 1% of a device's work, on the JVM. */
    public static final int DEFAULT_SHADOW_EVERY = 100;

    public Serving {
      Objects.requireNonNull(backend, "backend");
      if (shadowEvery < -1) {
        throw new IllegalArgumentException("shadowEvery must be -1, 0 or more, is " + shadowEvery);
      }
      // BatchPolicy has the rules; build one here so a bad combination fails at load.
      policy(maxBatch, maxDelayMs, queueCapacity);
    }

    /** The shadow sampling to use: as configured, else 0 on a JVM backend and 100 on a device. */
    public int shadowEvery(boolean jvmBackend) {
      return shadowEvery >= 0 ? shadowEvery : jvmBackend ? 0 : DEFAULT_SHADOW_EVERY;
    }

    public BatchPolicy policy() {
      return policy(maxBatch, maxDelayMs, queueCapacity);
    }

    private static BatchPolicy policy(int maxBatch, long maxDelayMs, int queueCapacity) {
      return new BatchPolicy(maxBatch, Duration.ofMillis(maxDelayMs), queueCapacity);
    }
  }

  public ModelConfig {
    Objects.requireNonNull(channelOrder, "channelOrder");
    Objects.requireNonNull(serving, "serving");
    mean = mean == null ? null : mean.clone();
    std = std == null ? null : std.clone();
    if (mean != null && std != null && mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean has " + mean.length + " values but std has " + std.length);
    }
    if (std != null) {
      for (float s : std) {
        if (!(s > 0)) {
          throw new IllegalArgumentException(
              "std values must be positive, are " + Arrays.toString(std));
        }
      }
    }
    profiles = Map.copyOf(profiles == null ? Map.of() : profiles);
  }

  /** The settings for {@code profile} (null: none); the base settings if it has no override. */
  public Serving serving(String profile) {
    return profile == null ? serving : profiles.getOrDefault(profile, serving);
  }

  /**
   * Reads and validates {@code file}.
   *
   * @throws ConfigException naming the file and the field that is wrong
   */
  public static ModelConfig read(Path file) {
    YamlFields y = YamlFields.read(file).allowOnly(FIELDS);
    String order = y.string("channel_order", "RGB").toUpperCase(Locale.ROOT);
    ChannelOrder channelOrder;
    try {
      channelOrder = ChannelOrder.valueOf(order);
    } catch (IllegalArgumentException e) {
      throw y.error("channel_order", "must be RGB or BGR, is '" + order + "'");
    }
    float[] mean = y.floats("mean");
    float[] std = y.floats("std");
    if (std != null) {
      for (float s : std) {
        if (!(s > 0)) {
          throw y.error("std", "values must be positive, are " + Arrays.toString(std));
        }
      }
    }
    if (mean != null && std != null && mean.length != std.length) {
      throw y.error("std", "has " + std.length + " values but mean has " + mean.length);
    }
    Serving base = serving(y, null);
    Map<String, Serving> profiles = new LinkedHashMap<>();
    for (Map.Entry<String, YamlFields> p : y.mappings("profiles").entrySet()) {
      profiles.put(p.getKey(), serving(p.getValue().allowOnly(PROFILE_FIELDS), base));
    }
    String labels = y.string("labels", null);
    return new ModelConfig(
        y.string("input", null), mean, std, channelOrder, labels, base, profiles);
  }

  private static Serving serving(YamlFields y, Serving base) {
    int maxBatch = (int) y.integer("max_batch", base == null ? 8 : base.maxBatch(), 1, 4096);
    long maxDelay = y.integer("max_delay_ms", base == null ? 5 : base.maxDelayMs(), 1, 60_000);
    long defaultCapacity =
        base == null || base.queueCapacity() < maxBatch ? 8L * maxBatch : base.queueCapacity();
    int capacity = (int) y.integer("queue_capacity", defaultCapacity, 1, 1 << 20);
    if (capacity < maxBatch) {
      throw y.error(
          "queue_capacity",
          "("
              + capacity
              + ") must be at least max_batch ("
              + maxBatch
              + ") so that a full batch can form");
    }
    String backend = y.string("backend", base == null ? VectorBackend.NAME : base.backend());
    int shadowEvery =
        (int) y.integer("shadow_every", base == null ? -1 : base.shadowEvery(), 0, 1_000_000);
    return new Serving(backend, maxBatch, maxDelay, capacity, shadowEvery);
  }

  @Override
  public float[] mean() {
    return mean == null ? null : mean.clone();
  }

  @Override
  public float[] std() {
    return std == null ? null : std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelConfig c
        && Objects.equals(c.input, input)
        && Arrays.equals(c.mean, mean)
        && Arrays.equals(c.std, std)
        && c.channelOrder == channelOrder
        && Objects.equals(c.labels, labels)
        && c.serving.equals(serving)
        && c.profiles.equals(profiles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, channelOrder, labels, serving, profiles)
        + 31 * Arrays.hashCode(mean)
        + 17 * Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "ModelConfig[input="
        + input
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", channelOrder="
        + channelOrder
        + ", labels="
        + labels
        + ", serving="
        + serving
        + ", profiles="
        + profiles
        + "]";
  }
}
