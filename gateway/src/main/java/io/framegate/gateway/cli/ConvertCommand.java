package io.framegate.gateway.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tfjs.TfjsLayersConverter;
import io.framegate.gateway.io.Normalization;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.StringStringEntryProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code framegate convert}: writes an ONNX model the engine serves, from a TF.js layers model or
 * from an ONNX model whose metadata (labels, normalisation) is to be set.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Converts a TF.js layers model (model.json, or a bundled model.min.js) to ONNX, or copies an"
          + " ONNX model; either way sets the metadata that infer and serve read.",
      "A converted model takes NCHW input ([N, C, H, W]) although Keras computes in NHWC: the"
          + " converter transposes the kernels, not the data."
    })
public final class ConvertCommand implements Callable<Integer> {
  /** Metadata key of the class labels, one per line, in output index order. */
  public static final String LABELS_KEY = "framegate.labels";

  @Spec CommandSpec spec;

  static final class Source {
    @Option(
        names = "--tfjs",
        required = true,
        paramLabel = "MODEL",
        description = "A TF.js layers model: model.json or a bundled .min.js.")
    Path tfjs;

    @Option(
        names = "--onnx",
        required = true,
        paramLabel = "MODEL",
        description = "An ONNX model to copy with new metadata.")
    Path onnx;
  }

  @ArgGroup(multiplicity = "1")
  Source source;

  @Option(
      names = "--weights",
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "The weight shards in manifest order (binary, or bundled .min.js base64); by default"
              + " the manifest's paths next to the model.")
  List<Path> weights = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "The ONNX file.")
  Path out;

  @Option(
      names = "--labels",
      paramLabel = "FILE",
      description = "Class labels, one per line, stored as metadata " + LABELS_KEY + ".")
  Path labels;

  @Option(
      names = "--mean",
      paramLabel = "LIST",
      description =
          "Per-channel mean subtracted from pixels scaled to [0, 1] (one value or one per"
              + " channel, comma separated), stored as "
              + Normalization.MEAN_KEY
              + ".")
  String mean;

  @Option(
      names = "--std",
      paramLabel = "LIST",
      description = "Per-channel divisor after the mean, stored as " + Normalization.STD_KEY + ".")
  String std;

  @Option(
      names = "--input-size",
      paramLabel = "HxW",
      description =
          "Fixes height and width of every [N, C, H, W] input whose H and W are symbolic"
              + " (e.g. 48x192), so that infer resizes images to the size the model expects.")
  String inputSize;

  @Override
  public Integer call() throws IOException {
    Path in = source.tfjs != null ? source.tfjs : source.onnx;
    requireFile(in, "model");
    if (!weights.isEmpty() && source.tfjs == null) {
      throw new ParameterException(spec.commandLine(), "--weights applies to --tfjs only");
    }
    for (Path w : weights) {
      requireFile(w, "weights");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    if (labels != null) {
      requireFile(labels, "labels");
      List<String> lines = Files.readAllLines(labels).stream().map(String::strip).toList();
      int end = lines.size();
      while (end > 0 && lines.get(end - 1).isEmpty()) {
        end--;
      }
      if (end == 0) {
        throw new ParameterException(spec.commandLine(), "labels file is empty: " + labels);
      }
      metadata.put(LABELS_KEY, String.join("\n", lines.subList(0, end)));
    }
    if (mean != null) {
      metadata.put(Normalization.MEAN_KEY, numbers("--mean", mean));
    }
    if (std != null) {
      metadata.put(Normalization.STD_KEY, numbers("--std", std));
    }

    ModelProto model;
    if (source.tfjs != null) {
      model = TfjsLayersConverter.convert(in, weights);
    } else {
      try {
        model = ModelProto.parseFrom(Files.readAllBytes(in));
      } catch (InvalidProtocolBufferException e) {
        throw new InvalidModelException(in + ": not an ONNX model: " + e.getMessage(), e);
      }
    }
    model = withMetadata(model, metadata);
    if (inputSize != null) {
      model = withInputSize(model, size(inputSize));
    }
    byte[] bytes = model.toByteArray();
    // what is written must load: the engine reads it back before the file is replaced
    Model loaded = Model.load(bytes, out.toString());
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // a sibling, so that the move is atomic; created like any file (not 0600 as temp files are)
    Path tmp = out.resolveSibling("." + out.getFileName() + ".partial");
    try {
      Files.write(tmp, bytes);
      Files.move(
          tmp,
          out,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    spec.commandLine()
        .getOut()
        .println(
            "wrote "
                + out
                + ": inputs "
                + describe(loaded.inputs())
                + ", outputs "
                + describe(loaded.outputs()));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Replaces (or adds) the given metadata entries, keeping the others in order. */
  static ModelProto withMetadata(ModelProto model, Map<String, String> metadata) {
    if (metadata.isEmpty()) {
      return model;
    }
    ModelProto.Builder b = model.toBuilder().clearMetadataProps();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      if (!metadata.containsKey(e.getKey())) {
        b.addMetadataProps(e);
      }
    }
    metadata.forEach(
        (k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }

  /** Sets symbolic H and W of rank-4 graph inputs (not initializers listed as inputs). */
  static ModelProto withInputSize(ModelProto model, int[] hw) {
    ModelProto.Builder b = model.toBuilder();
    Set<String> initializers = new HashSet<>();
    model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
    for (ValueInfoProto.Builder in : b.getGraphBuilder().getInputBuilderList()) {
      if (initializers.contains(in.getName())) {
        continue;
      }
      TensorShapeProto.Builder shape = in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
      if (shape.getDimCount() != 4) {
        continue;
      }
      for (int i = 0; i < 2; i++) {
        TensorShapeProto.Dimension.Builder d = shape.getDimBuilder(2 + i);
        if (!d.hasDimValue()) {
          d.clearDimParam().setDimValue(hw[i]);
        }
      }
    }
    return b.build();
  }

  private int[] size(String text) {
    String[] parts = text.toLowerCase(java.util.Locale.ROOT).split("x");
    try {
      if (parts.length == 2) {
        int h = Integer.parseInt(parts[0].strip());
        int w = Integer.parseInt(parts[1].strip());
        if (h > 0 && w > 0) {
          return new int[] {h, w};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(
        spec.commandLine(), "--input-size needs HxW with positive numbers, not '" + text + "'");
  }

  private String numbers(String option, String list) {
    String[] parts = list.split(",");
    List<String> out = new ArrayList<>();
    for (String p : parts) {
      try {
        float v = Float.parseFloat(p.strip());
        if (!Float.isFinite(v)) {
          throw new NumberFormatException();
        }
        if (option.equals("--std") && v == 0) {
          throw new ParameterException(spec.commandLine(), "--std values must not be 0");
        }
        out.add(p.strip());
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(), option + " needs comma-separated numbers, not '" + list + "'");
      }
    }
    return String.join(",", out);
  }

  private void requireFile(Path file, String what) {
    if (!Files.exists(file)) {
      throw new ParameterException(spec.commandLine(), what + " file not found: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new ParameterException(spec.commandLine(), what + " is not a file: " + file);
    }
  }

  private static String describe(List<ValueInfo> values) {
    return values.stream()
        .map(
            v -> {
              List<String> dims = new ArrayList<>();
              int[] d = v.shape();
              for (int i = 0; i < d.length; i++) {
                String name =
                    v.dimNames() != null && i < v.dimNames().size() ? v.dimNames().get(i) : null;
                dims.add(
                    d[i] >= 0
                        ? Integer.toString(d[i])
                        : name != null && !name.isEmpty() ? name : "?");
              }
              return v.name() + " [" + String.join(", ", dims) + "]";
            })
        .collect(Collectors.joining(", "));
  }
}
