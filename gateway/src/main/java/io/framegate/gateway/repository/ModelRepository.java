package io.framegate.gateway.repository;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.vector.VectorBackend;
import io.framegate.gateway.config.ConfigException;
import io.framegate.pipeline.ModelPipeline;
import io.framegate.pipeline.PipelineMetrics;
import io.framegate.pipeline.dispatch.PlanFactory;
import io.framegate.pipeline.dispatch.Supervision;
import io.framegate.pipeline.ingest.ModelInputSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a gateway serves. On disk, a directory with one folder per model, named after it:
 *
 * <pre>
 * repository/
 *   resnet18/
 *     model.onnx
 *     config.yaml      (see {@link ModelConfig})
 *     labels.txt       (optional, named by config.yaml)
 * </pre>
 *
 * Loading compiles and warms up every model's plans, so a loaded repository serves at full speed
 * from the first frame. Thread-safe; closing drains every pipeline.
 */
public final class ModelRepository implements AutoCloseable {
  /**
   * Shadow checks fail above this max relative error: looser than {@code framegate verify}'s 1e-5,
   * because a served batch is compared once, with no second look, and a device's reduction order
   * may differ from the JVM's on long sums.
   */
  static final double SHADOW_TOLERANCE = 1e-4;

  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);
  public static final String MODEL_FILE = "model.onnx";

  private final Map<String, ServedModel> models;

  private ModelRepository(List<ServedModel> models) {
    Map<String, ServedModel> byName = new LinkedHashMap<>();
    for (ServedModel m : models) {
      if (byName.put(m.name(), m) != null) {
        throw new IllegalArgumentException("two models are named '" + m.name() + "'");
      }
    }
    this.models = Map.copyOf(byName);
  }

  /** A repository of pipelines built elsewhere (tests, embedding applications). */
  public static ModelRepository of(List<ServedModel> models) {
    return new ModelRepository(models);
  }

  /**
   * Loads every model folder under {@code dir}, in name order.
   *
   * @param profile the {@code profiles} entry to apply where a model has one; null for none
   * @throws ConfigException for a missing or invalid file or setting, naming it
   * @throws InvalidModelException for a model the engine cannot run, naming its file
   */
  public static ModelRepository load(Path dir, String profile, PipelineMetrics metrics) {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(dir + ": the model repository is not a directory");
    }
    List<Path> folders;
    try (Stream<Path> s = Files.list(dir)) {
      // hidden folders (sample data, half-written downloads) are not models
      folders =
          s.filter(Files::isDirectory)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new ConfigException(dir + ": cannot be listed: " + e.getMessage(), e);
    }
    if (folders.isEmpty()) {
      throw new ConfigException(
          dir
              + ": holds no model folders (each needs "
              + MODEL_FILE
              + " and "
              + ModelConfig.FILE_NAME
              + ")");
    }
    List<ServedModel> loaded = new ArrayList<>();
    try {
      for (Path folder : folders) {
        loaded.add(loadModel(folder, profile, metrics));
      }
    } catch (RuntimeException e) {
      loaded.forEach(m -> m.pipeline().close());
      throw e;
    }
    return new ModelRepository(loaded);
  }

  /** Loads one model folder; its name is the folder's. */
  public static ServedModel loadModel(Path folder, String profile, PipelineMetrics metrics) {
    String name = folder.getFileName().toString();
    Path onnx = folder.resolve(MODEL_FILE);
    Path configFile = folder.resolve(ModelConfig.FILE_NAME);
    if (!Files.isRegularFile(onnx)) {
      throw new ConfigException(onnx + ": no such file (every model folder needs one)");
    }
    ModelConfig config = ModelConfig.read(configFile);
    ModelConfig.Serving serving = config.serving(profile);
    Backend backend;
    try {
      backend = Backends.byName(serving.backend());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(configFile + ": field 'backend' " + e.getMessage(), e);
    }
    List<String> labels =
        config.labels() == null ? List.of() : readLabels(folder, configFile, config.labels());
    Model model = Model.load(onnx);
    ModelInputSpec spec = inputSpec(model, config, configFile);
    long start = System.nanoTime();
    boolean jvm =
        ReferenceBackend.NAME.equals(backend.name()) || VectorBackend.NAME.equals(backend.name());
    int shadowEvery = serving.shadowEvery(jvm);
    ModelPipeline.Builder b =
        ModelPipeline.builder(name, spec, serving.policy())
            .device(backend.name(), PlanFactory.of(model, backend))
            .labels(labels)
            .metrics(metrics);
    // A device falls back to the fast JVM path, the fast JVM path to the reference.
    if (VectorBackend.NAME.equals(backend.name())) {
      b.fallback(ReferenceBackend.NAME, PlanFactory.of(model, new ReferenceBackend()));
    } else if (!jvm) {
      b.fallback(VectorBackend.NAME, PlanFactory.of(model, new VectorBackend()));
    }
    if (shadowEvery > 0) {
      b.supervision(
          Supervision.DEFAULT.withShadow(
              shadowEvery, PlanFactory.of(model, new ReferenceBackend()), SHADOW_TOLERANCE));
    }
    ModelPipeline pipeline;
    try {
      pipeline = b.build();
    } catch (InvalidModelException e) {
      throw new InvalidModelException(onnx + ": " + e.getMessage(), e);
    }
    log.info(
        "event=model_loaded model={} backend={} input={} batch_sizes={} max_delay_ms={} queue_capacity={} shadow_every={} labels={} millis={}",
        name,
        backend.name(),
        spec,
        Arrays.toString(pipeline.planBatchSizes()),
        serving.maxDelayMs(),
        serving.queueCapacity(),
        shadowEvery,
        labels.size(),
        (System.nanoTime() - start) / 1_000_000);
    return new ServedModel(name, pipeline, backend.name(), labels);
  }

  private static ModelInputSpec inputSpec(Model model, ModelConfig config, Path configFile) {
    List<ValueInfo> inputs = model.inputs();
    ValueInfo input;
    if (config.input() == null) {
      if (inputs.size() != 1) {
        throw new ConfigException(
            configFile
                + ": field 'input' is needed: the model has "
                + inputs.size()
                + " inputs ("
                + String.join(", ", inputs.stream().map(ValueInfo::name).toList())
                + ")");
      }
      input = inputs.get(0);
    } else {
      input =
          inputs.stream()
              .filter(v -> v.name().equals(config.input()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          configFile
                              + ": field 'input' names '"
                              + config.input()
                              + "', the model's inputs are "
                              + String.join(", ", inputs.stream().map(ValueInfo::name).toList())));
    }
    int[] s = input.shape();
    if (s.length != 4 || s[1] < 1 || s[2] < 1 || s[3] < 1) {
      throw new ConfigException(
          configFile
              + ": field 'input': '"
              + input.name()
              + "' is not an image input [N, C, H, W] with fixed C, H and W, it is "
              + Arrays.toString(s));
    }
    int channels = s[1];
    float[] mean = config.mean() == null ? new float[channels] : config.mean();
    float[] std = config.std();
    if (std == null) {
      std = new float[channels];
      Arrays.fill(std, 1f);
    }
    if (mean.length != channels) {
      throw new ConfigException(
          configFile
              + ": field 'mean' has "
              + mean.length
              + " values, input '"
              + input.name()
              + "' has "
              + channels
              + " channels");
    }
    if (std.length != channels) {
      throw new ConfigException(
          configFile
              + ": field 'std' has "
              + std.length
              + " values, input '"
              + input.name()
              + "' has "
              + channels
              + " channels");
    }
    try {
      return ModelInputSpec.forInput(input, config.channelOrder(), mean, std);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(configFile + ": " + e.getMessage(), e);
    }
  }

  private static List<String> readLabels(Path folder, Path configFile, String fileName) {
    Path file = folder.resolve(fileName).normalize();
    if (!file.startsWith(folder.normalize())) {
      throw new ConfigException(configFile + ": field 'labels' must name a file inside " + folder);
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          configFile + ": field 'labels' names " + file + ", which does not exist");
    }
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
      lines.replaceAll(String::strip);
      // A trailing newline, or several, is not a class.
      while (!lines.isEmpty() && lines.getLast().isEmpty()) {
        lines.removeLast();
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * @throws UnknownModelException naming the models served
   */
  public ServedModel get(String name) {
    ServedModel m = models.get(name);
    if (m == null) {
      throw new UnknownModelException(
          "model '" + name + "' is not served here (models: " + String.join(", ", names()) + ")");
    }
    return m;
  }

  public boolean contains(String name) {
    return models.containsKey(name);
  }

  /** Models in name order. */
  public List<ServedModel> all() {
    return models.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  public List<String> names() {
    return all().stream().map(ServedModel::name).toList();
  }

  /** Stops every pipeline accepting frames and completes once they have all drained. */
  public CompletableFuture<Void> closeAsync() {
    return CompletableFuture.allOf(
        models.values().stream()
            .map(m -> m.pipeline().closeAsync())
            .toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    closeAsync().join();
  }
}
