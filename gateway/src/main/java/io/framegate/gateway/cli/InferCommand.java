package io.framegate.gateway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.gateway.io.ImageTensors;
import io.framegate.gateway.io.Normalization;
import io.framegate.gateway.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code framegate infer}: one run of a model on files, for trying a model out and for scripts. */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a model once and prints, for each output, its shape and its K largest values"
          + " (index into the flattened output, value).",
      "Each --input binds to the next model input: a .npy file (float32, C order) or a JPEG/PNG"
          + " image, which is resized (bilinear) to the input's height and width, scaled to [0, 1]"
          + " and normalised with the model metadata framegate.mean / framegate.std when present.",
      "A symbolic batch dimension takes its size from the .npy's first dimension (1 for images)."
    })
public final class InferCommand implements Callable<Integer> {
  private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "The ONNX model.")
  Path model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description = "A .npy or image file; repeat once per model input, in the model's order.")
  List<Path> inputs;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "Also write each output as DIR/<output-name>.npy.")
  Path outputDir;

  @Option(
      names = "--top",
      paramLabel = "K",
      defaultValue = "5",
      description = "How many of the largest values to show per output (default ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--json",
      description =
          "Print {\"outputs\":{\"<name>\":{\"shape\":[...],\"top\":[[index,value],...]}},"
              + "\"millis\":...} instead of text; millis is the run itself.")
  boolean json;

  @Option(
      names = "--batch",
      paramLabel = "N",
      description =
          "The batch size of a model with a symbolic batch dimension: .npy inputs must have N"
              + " rows and an image is repeated N times.")
  Integer batch;

  @Option(
      names = "--backend",
      paramLabel = "NAME",
      defaultValue = Backends.DEFAULT,
      description = "Where to run (default ${DEFAULT-VALUE}).")
  String backend;

  @Override
  public Integer call() throws IOException {
    CommandLine cmd = spec.commandLine();
    if (top < 0) {
      throw new ParameterException(cmd, "--top must be 0 or more, not " + top);
    }
    if (batch != null && batch < 1) {
      throw new ParameterException(cmd, "--batch must be 1 or more, not " + batch);
    }
    Backends.check(backend, cmd);
    requireFile(model, "model");
    for (Path in : inputs) {
      requireFile(in, "input");
    }

    // .npy files need nothing from the model: read them first so that a bad one fails fast
    List<Tensor> given = new ArrayList<>();
    for (Path in : inputs) {
      given.add(isNpy(in) ? Npy.read(in) : null);
    }

    Model loaded = Model.load(model);
    List<ValueInfo> declared = loaded.inputs();
    if (declared.size() != inputs.size()) {
      throw new ParameterException(
          cmd,
          "the model has "
              + declared.size()
              + " input(s) "
              + declared.stream().map(ValueInfo::name).toList()
              + " but "
              + inputs.size()
              + " --input "
              + (inputs.size() == 1 ? "was" : "were")
              + " given");
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (int i = 0; i < declared.size(); i++) {
      ValueInfo info = declared.get(i);
      Path file = inputs.get(i);
      Tensor t = given.get(i) != null ? given.get(i) : image(info, file, loaded);
      checkShape(info, t, file, cmd);
      t = asType(info, t, file);
      feeds.put(info.name(), t);
      shapes.put(info.name(), t.shape());
    }

    Graph graph = loaded.specialize(shapes, Map.of());
    Backend engine = Backends.create(backend);
    Map<String, Tensor> results;
    long nanos;
    try (ExecutionPlan plan = engine.compile(graph)) {
      long start = System.nanoTime();
      results = plan.run(feeds);
      nanos = System.nanoTime() - start;
    } finally {
      if (engine instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
    }

    Map<String, Path> written = outputDir == null ? Map.of() : write(results, outputDir);
    PrintWriter out = cmd.getOut();
    if (json) {
      out.println(json(loaded, results, nanos));
    } else {
      text(out, loaded, results, written, nanos);
    }
    out.flush();
    return 0;
  }

  private void requireFile(Path file, String what) {
    if (!Files.exists(file)) {
      throw new ParameterException(spec.commandLine(), what + " file not found: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new ParameterException(spec.commandLine(), what + " is not a file: " + file);
    }
  }

  /** By content, so that a misnamed file still works; a ".npy" name always goes to the reader. */
  private static boolean isNpy(Path file) throws IOException {
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
      return true;
    }
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(NPY_MAGIC.length), NPY_MAGIC);
    }
  }

  private Tensor image(ValueInfo info, Path file, Model loaded) {
    int[] d = info.shape();
    if (d.length != 4 || (d[1] >= 0 && d[1] != 3)) {
      throw new InvalidInputException(
          file
              + ": an image needs a model input of shape [N, 3, H, W], but input '"
              + info.name()
              + "' is "
              + describe(info)
              + "; give a .npy file instead");
    }
    BufferedImage img = ImageTensors.read(file);
    // a symbolic height or width takes the image's own size
    int height = d[2] >= 0 ? d[2] : img.getHeight();
    int width = d[3] >= 0 ? d[3] : img.getWidth();
    int n = d[0] >= 0 ? d[0] : batch != null ? batch : 1;
    Normalization norm = Normalization.fromMetadata(loaded.graph().metadata(), 3);
    return ImageTensors.toTensor(img, n, height, width, norm);
  }

  private void checkShape(ValueInfo info, Tensor t, Path file, CommandLine cmd) {
    int[] d = info.shape();
    int[] s = t.shape();
    boolean fits = d.length == s.length;
    for (int i = 0; fits && i < d.length; i++) {
      fits = d[i] < 0 || d[i] == s[i];
    }
    if (!fits) {
      throw new InvalidInputException(
          file
              + ": shape "
              + Arrays.toString(s)
              + " does not fit model input '"
              + info.name()
              + "' of shape "
              + describe(info));
    }
    if (batch != null && d.length > 0) {
      if (d[0] >= 0 && d[0] != batch) {
        throw new ParameterException(
            cmd,
            "--batch "
                + batch
                + " does not apply: model input '"
                + info.name()
                + "' has a fixed batch of "
                + d[0]);
      }
      if (s[0] != batch) {
        throw new InvalidInputException(
            file + ": has " + s[0] + " rows in dimension 0 but --batch is " + batch);
      }
    }
  }

  /** Inputs arrive as float32; an INT64 model input (indices, sizes) gets whole numbers. */
  private static Tensor asType(ValueInfo info, Tensor t, Path file) {
    if (info.type() != DataType.INT64 || t.type() == DataType.INT64) {
      return t;
    }
    float[] f = t.floats();
    long[] l = new long[f.length];
    for (int i = 0; i < f.length; i++) {
      if (f[i] != Math.rint(f[i]) || Float.isInfinite(f[i])) {
        throw new InvalidInputException(
            file + ": model input '" + info.name() + "' is INT64 but element " + i + " is " + f[i]);
      }
      l[i] = (long) f[i];
    }
    return Tensor.ofLongs(l, t.shape());
  }

  /** e.g. {@code [batch, 3, 224, 224]}: symbolic dimensions by name, or '?'. */
  private static String describe(ValueInfo info) {
    int[] d = info.shape();
    List<String> names = info.dimNames();
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < d.length; i++) {
      String name = names != null && i < names.size() ? names.get(i) : null;
      parts.add(d[i] >= 0 ? Integer.toString(d[i]) : name != null && !name.isEmpty() ? name : "?");
    }
    return "[" + String.join(", ", parts) + "]";
  }

  private static Map<String, Path> write(Map<String, Tensor> results, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Path> written = new LinkedHashMap<>();
    Set<String> used = new HashSet<>();
    for (Map.Entry<String, Tensor> e : results.entrySet()) {
      String base = fileName(e.getKey());
      String name = base;
      // case-insensitive, as some file systems are
      for (int n = 2; !used.add(name.toLowerCase(Locale.ROOT)); n++) {
        name = base + "_" + n;
      }
      Path file = dir.resolve(name + ".npy");
      Npy.write(file, e.getValue());
      written.put(e.getKey(), file);
    }
    return written;
  }

  /** Output names may hold '/', ':' and the like; keep a portable subset and no leading dot. */
  static String fileName(String outputName) {
    String s = outputName.replaceAll("[^A-Za-z0-9._-]", "_");
    if (s.isEmpty()) {
      return "output";
    }
    return s.startsWith(".") ? "_" + s.substring(1) : s;
  }

  private String json(Model loaded, Map<String, Tensor> results, long nanos) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ObjectNode outputs = root.putObject("outputs");
    for (String name : orderedNames(loaded, results)) {
      Tensor t = results.get(name);
      ObjectNode o = outputs.putObject(name);
      ArrayNode shape = o.putArray("shape");
      for (int d : t.shape()) {
        shape.add(d);
      }
      ArrayNode pairs = o.putArray("top");
      for (TopK.Entry e : TopK.of(values(t), top)) {
        pairs.addArray().add(e.index()).add(e.value());
      }
    }
    root.put("millis", millis(nanos));
    try {
      return mapper.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private void text(
      PrintWriter out,
      Model loaded,
      Map<String, Tensor> results,
      Map<String, Path> written,
      long nanos) {
    for (String name : orderedNames(loaded, results)) {
      Tensor t = results.get(name);
      out.println(
          name
              + "  shape "
              + Arrays.toString(t.shape())
              + (written.containsKey(name) ? "  -> " + written.get(name) : ""));
      List<String> names = labelsFor(loaded, t);
      int rank = 1;
      for (TopK.Entry e : TopK.of(values(t), top)) {
        String label = names.isEmpty() ? "" : "  " + names.get(e.index() % names.size());
        out.printf("  %2d.  index %-8d %s%s%n", rank++, e.index(), e.value(), label);
      }
    }
    out.println("ran in " + millis(nanos) + " ms on " + backend);
  }

  /**
   * The model's class labels (metadata {@value ConvertCommand#LABELS_KEY}: one per line, or comma
   * separated) when they match the output's last dimension, else none.
   */
  private static List<String> labelsFor(Model loaded, Tensor t) {
    String text = loaded.graph().metadata().get(ConvertCommand.LABELS_KEY);
    int[] s = t.shape();
    if (text == null || text.isBlank() || s.length == 0) {
      return List.of();
    }
    List<String> names =
        Arrays.stream(text.contains("\n") ? text.split("\\R") : text.split(","))
            .map(String::strip)
            .toList();
    return names.size() == s[s.length - 1] ? names : List.of();
  }

  /** The model's output order, then anything else the backend returned. */
  private static List<String> orderedNames(Model loaded, Map<String, Tensor> results) {
    List<String> names = new ArrayList<>();
    for (ValueInfo v : loaded.outputs()) {
      if (results.containsKey(v.name())) {
        names.add(v.name());
      }
    }
    for (String name : results.keySet()) {
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  private static float[] values(Tensor t) {
    return t.type() == DataType.FLOAT32 ? t.floats() : t.toFloats();
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e3) / 1e3;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // the results are already computed; a failing close must not hide them
    }
  }
}
