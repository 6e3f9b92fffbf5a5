package io.framegate.accelerator.tfjs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.tfjs.TfjsWeights.Weight;
import io.framegate.proto.onnx.AttributeProto;
import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.OperatorSetIdProto;
import io.framegate.proto.onnx.StringStringEntryProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.TypeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a TF.js <em>layers</em> model (a Keras model saved by {@code tfjs.converters} or {@code
 * model.save}: {@code model.json} plus binary weight shards, or the same wrapped in bundled {@code
 * .min.js} modules) into an ONNX model (opset 13) that the engine and ONNX Runtime run.
 *
 * <p><b>Layout.</b> Keras computes in NHWC; the converted model takes and produces <b>NCHW</b>
 * ({@code [N, C, H, W]} images, {@code [N, F]} vectors), like every other model framegate serves.
 * Nothing is transposed at run time except before a {@code Flatten} of a map larger than 1×1 (Keras
 * flattens in H, W, C order, so the converter inserts a Transpose to NHWC there); instead the
 * kernels are transposed once here (Conv2D HWIO → OIHW, DepthwiseConv2D {@code [kh, kw, C, m]} →
 * {@code [C·m, 1, kh, kw]} with {@code group = C}) and channel axes are renumbered.
 *
 * <p><b>Padding.</b> Keras {@code same} padding is resolved to explicit pads for the declared input
 * size (TF puts the odd pixel at the end, ONNX's SAME_UPPER); a ZeroPadding2D that feeds only
 * convolutions is folded into their pads.
 *
 * <p>Supported layers: InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization,
 * Dense, Activation, ReLU, LeakyReLU, ELU, Softmax, Add, Subtract, Multiply, Average, Concatenate,
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D,
 * Flatten, and Dropout-like layers (identities at inference). Anything else is an {@link
 * InvalidModelException} naming the layer's class and name.
 */
public final class TfjsLayersConverter {
  /** The ONNX opset the converted model declares. */
  public static final int OPSET = 13;

  /** The symbolic batch dimension of every input and output. */
  public static final String BATCH = "N";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A layer call: the layer and the layers whose outputs it reads (one call per layer). */
  private record Call(String name, String className, JsonNode config, List<String> inbound) {}

  /**
   * A layer's output: its ONNX value name and Keras shape without the batch dimension ({@code [H,
   * W, C]} or {@code [F]}). A ZeroPadding2D output is pending ({@code pads} = top, left, bottom,
   * right of {@code padSource}) until a consumer that cannot fold it asks for the Pad node.
   */
  private record Value(String name, int[] shape, String padSource, int[] pads) {
    Value(String name, int[] shape) {
      this(name, shape, null, null);
    }

    int channels() {
      return shape[shape.length - 1];
    }
  }

  private final String source;
  private final Map<String, Weight> weights;
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, Value> values = new HashMap<>();
  private final Set<String> emittedPads = new HashSet<>();

  private TfjsLayersConverter(String source, Map<String, Weight> weights) {
    this.source = source;
    this.weights = weights;
  }

  /**
   * Converts a model file ({@code model.json}, or a bundled {@code model.min.js}). Without {@code
   * weightFiles} the shards are the manifest's paths next to the model file (also tried with {@code
   * .min.js} appended, as bundles name them); given, they replace the manifest's paths in order.
   *
   * @throws InvalidModelException for content that is not a supported TF.js layers model
   * @throws IOException when a file cannot be read
   */
  public static ModelProto convert(Path modelFile, List<Path> weightFiles) throws IOException {
    String name = modelFile.getFileName().toString();
    JsonNode model = readModel(Files.readAllBytes(modelFile), name);
    List<Path> shards = weightFiles.isEmpty() ? manifestShards(modelFile, model) : weightFiles;
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Path shard : shards) {
      data.writeBytes(readShard(shard));
    }
    return convert(model, data.toByteArray(), name);
  }

  /**
   * Converts a parsed model.json object ({@code modelTopology} and {@code weightsManifest}) whose
   * weight shards, concatenated in manifest order, are {@code weightData}.
   */
  public static ModelProto convert(JsonNode model, byte[] weightData, String source) {
    JsonNode topology = model.path("modelTopology");
    if (topology.has("node")) {
      throw new InvalidModelException(
          source
              + ": this is a TF.js graph model (a TensorFlow graph); only layers models convert");
    }
    if (!topology.isObject()) {
      throw new InvalidModelException(source + ": no modelTopology; is this a TF.js model.json?");
    }
    Map<String, Weight> weights =
        TfjsWeights.decode(model.path("weightsManifest"), weightData, source);
    return new TfjsLayersConverter(source, weights).run(topology);
  }

  /** Parses model.json text, or extracts the object a bundled .js module exports. */
  static JsonNode readModel(byte[] bytes, String source) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.strip().startsWith("{")) {
      try {
        return JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw new InvalidModelException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
      }
    }
    return JsLiterals.exportedValue(text, source);
  }

  /** A binary shard, or a bundled .js module exporting the shard as one base64 string. */
  static byte[] readShard(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (!file.getFileName().toString().endsWith(".js")) {
      return bytes;
    }
    String name = file.getFileName().toString();
    JsonNode v = JsLiterals.exportedValue(new String(bytes, StandardCharsets.UTF_8), name);
    if (!v.isTextual()) {
      throw new InvalidModelException(name + ": exports no base64 string of weights");
    }
    try {
      return Base64.getDecoder().decode(v.asText());
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(name + ": the exported weights are not base64", e);
    }
  }

  private static List<Path> manifestShards(Path modelFile, JsonNode model) throws IOException {
    Path dir = modelFile.toAbsolutePath().getParent();
    List<Path> shards = new ArrayList<>();
    for (JsonNode group : model.path("weightsManifest")) {
      for (JsonNode p : group.path("paths")) {
        Path file = null;
        for (String suffix : List.of("", ".min.js", ".js")) {
          Path candidate = dir.resolve(p.asText() + suffix);
          if (Files.isRegularFile(candidate)) {
            file = candidate;
            break;
          }
        }
        if (file == null) {
          throw new FileNotFoundException(
              "weight shard '"
                  + p.asText()
                  + "' named in "
                  + modelFile.getFileName()
                  + " is not in "
                  + dir
                  + "; give the shards with --weights");
        }
        shards.add(file);
      }
    }
    return shards;
  }

  // ---- the model ----

  private ModelProto run(JsonNode topology) {
    String kerasVersion = topology.path("keras_version").asText("");
    JsonNode root = topology.has("model_config") ? topology.get("model_config") : topology;
    String cls = root.path("class_name").asText();
    JsonNode config = root.path("config");
    List<Call> calls = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    switch (cls) {
      case "Model", "Functional" -> functional(config, calls, inputs, outputs);
      case "Sequential" -> sequential(config, calls, inputs, outputs);
      default ->
          throw new InvalidModelException(
              source + ": model class '" + cls + "' is not a Keras Model or Sequential");
    }
    if (inputs.isEmpty() || outputs.isEmpty()) {
      throw new InvalidModelException(source + ": the model declares no inputs or no outputs");
    }

    // Keras lists layers in call order, but nothing requires it: run whatever is ready.
    List<Call> pending = new ArrayList<>(calls);
    while (!pending.isEmpty()) {
      boolean progress = false;
      for (var it = pending.iterator(); it.hasNext(); ) {
        Call c = it.next();
        if (c.inbound().stream().allMatch(values::containsKey)) {
          List<Value> in = c.inbound().stream().map(values::get).toList();
          values.put(c.name(), layer(c, in));
          it.remove();
          progress = true;
        }
      }
      if (!progress) {
        Call c = pending.getFirst();
        throw new InvalidModelException(
            source
                + ": layer '"
                + c.name()
                + "' reads "
                + c.inbound().stream().filter(n -> !values.containsKey(n)).toList()
                + ", which no layer makes (or the layers form a cycle)");
      }
    }

    for (String in : inputs) {
      Value v = values.get(in);
      if (v == null) {
        throw new InvalidModelException(source + ": input layer '" + in + "' does not exist");
      }
      graph.addInput(valueInfo(in, v.shape()));
    }
    for (String out : outputs) {
      Value v = values.get(out);
      if (v == null) {
        throw new InvalidModelException(source + ": output layer '" + out + "' does not exist");
      }
      v = materialize(v);
      if (!v.name().equals(out)) {
        node("Identity", out, List.of(v.name()));
      }
      graph.addOutput(valueInfo(out, v.shape()));
    }

    graph.setName(config.path("name").asText("tfjs_model"));
    graph.setDocString(
        "Converted from a TF.js layers model; inputs and outputs are NCHW ([N, C, H, W]).");
    return ModelProto.newBuilder()
        .setIrVersion(7)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("framegate-tfjs")
        .setGraph(graph)
        .addMetadataProps(
            StringStringEntryProto.newBuilder()
                .setKey("framegate.converted_from")
                .setValue(
                    "TF.js layers model"
                        + (kerasVersion.isEmpty() ? "" : " (Keras " + kerasVersion + ")")
                        + ", NHWC to NCHW"))
        .build();
  }

  private void functional(
      JsonNode config, List<Call> calls, List<String> inputs, List<String> outputs) {
    for (JsonNode layer : config.path("layers")) {
      String name = layer.path("name").asText(layer.path("config").path("name").asText());
      calls.add(
          new Call(name, layer.path("class_name").asText(), layer.path("config"), inbound(layer)));
    }
    layerRefs(config.path("input_layers"), inputs);
    layerRefs(config.path("output_layers"), outputs);
  }

  private void sequential(
      JsonNode config, List<Call> calls, List<String> inputs, List<String> outputs) {
    JsonNode layers = config.isArray() ? config : config.path("layers");
    String previous = null;
    for (JsonNode layer : layers) {
      String cls = layer.path("class_name").asText();
      JsonNode cfg = layer.path("config");
      String name = cfg.path("name").asText(layer.path("name").asText());
      if (previous == null && !cls.equals("InputLayer")) {
        // the first layer declares the input shape itself; Keras names that input <layer>_input
        String in = name + "_input";
        calls.add(new Call(in, "InputLayer", cfg, List.of()));
        inputs.add(in);
        previous = in;
      }
      if (cls.equals("InputLayer")) {
        inputs.add(name);
        calls.add(new Call(name, cls, cfg, List.of()));
      } else {
        calls.add(new Call(name, cls, cfg, List.of(previous)));
      }
      previous = name;
    }
    if (previous != null) {
      outputs.add(previous);
    }
  }

  /** Keras 2 {@code [[["layer", 0, 0, {}], ...]]}, or Keras 3 {@code [{"args": [...]}]}. */
  private List<String> inbound(JsonNode layer) {
    JsonNode nodes = layer.path("inbound_nodes");
    if (!nodes.isArray() || nodes.isEmpty()) {
      return List.of();
    }
    if (nodes.size() > 1) {
      throw new InvalidModelException(
          source
              + ": layer '"
              + layer.path("name").asText()
              + "' is called "
              + nodes.size()
              + " times; shared layers are not supported");
    }
    List<String> out = new ArrayList<>();
    JsonNode call = nodes.get(0);
    if (call.isArray()) {
      for (JsonNode t : call) {
        out.add(t.get(0).asText());
      }
    } else {
      kerasHistory(call.path("args"), out);
    }
    return out;
  }

  private static void kerasHistory(JsonNode n, List<String> out) {
    if (n.isArray()) {
      n.forEach(e -> kerasHistory(e, out));
    } else if (n.isObject()) {
      JsonNode history = n.path("config").path("keras_history");
      if (history.isArray() && !history.isEmpty()) {
        out.add(history.get(0).asText());
      }
    }
  }

  /** {@code [["name", 0, 0], ...]}, or a single {@code ["name", 0, 0]}. */
  private static void layerRefs(JsonNode refs, List<String> out) {
    if (refs.isArray() && !refs.isEmpty() && refs.get(0).isTextual()) {
      out.add(refs.get(0).asText());
      return;
    }
    for (JsonNode r : refs) {
      out.add(r.get(0).asText());
    }
  }

  // ---- layers ----

  private Value layer(Call c, List<Value> in) {
    String dataFormat = c.config().path("data_format").asText("channels_last");
    if (!dataFormat.equals("channels_last")) {
      throw unsupported(c, "data_format " + dataFormat + " (only channels_last)");
    }
    return switch (c.className()) {
      case "InputLayer" -> input(c);
      case "Conv2D" -> conv2d(c, one(c, in));
      case "DepthwiseConv2D" -> depthwise(c, one(c, in));
      case "SeparableConv2D" -> separable(c, one(c, in));
      case "BatchNormalization" -> batchNorm(c, materialize(one(c, in)));
      case "Dense" -> dense(c, materialize(one(c, in)));
      case "Activation" ->
          activation(c, c.config().path("activation").asText("linear"), materialize(one(c, in)));
      case "ReLU" -> relu(c, materialize(one(c, in)));
      case "LeakyReLU" -> {
        JsonNode cfg = c.config();
        float alpha = (float) cfg.path("alpha").asDouble(cfg.path("negative_slope").asDouble(0.3));
        yield unary(c, "LeakyRelu", c.name(), materialize(one(c, in)), floatAttr("alpha", alpha));
      }
      case "ELU" -> {
        float alpha = (float) c.config().path("alpha").asDouble(1);
        yield unary(c, "Elu", c.name(), materialize(one(c, in)), floatAttr("alpha", alpha));
      }
      case "Softmax" -> {
        Value x = materialize(one(c, in));
        int axis = onnxAxis(c, c.config().path("axis").asInt(-1), x.shape().length + 1);
        yield unary(c, "Softmax", c.name(), x, intAttr("axis", axis));
      }
      case "Add", "Subtract", "Multiply", "Average" -> merge(c, in);
      case "Concatenate" -> concatenate(c, in);
      case "MaxPooling2D", "AveragePooling2D" -> pool(c, materialize(one(c, in)));
      case "GlobalAveragePooling2D", "GlobalMaxPooling2D" -> globalPool(c, materialize(one(c, in)));
      case "ZeroPadding2D" -> zeroPadding(c, materialize(one(c, in)));
      case "Flatten" -> flatten(c, materialize(one(c, in)));
      // identities at inference
      case "Dropout",
          "SpatialDropout2D",
          "GaussianNoise",
          "GaussianDropout",
          "AlphaDropout",
          "ActivityRegularization" ->
          one(c, in);
      default ->
          throw new InvalidModelException(
              source
                  + ": unsupported Keras layer class "
                  + c.className()
                  + " (layer '"
                  + c.name()
                  + "')");
    };
  }

  private Value input(Call c) {
    JsonNode cfg = c.config();
    JsonNode shape =
        cfg.has("batch_input_shape") ? cfg.get("batch_input_shape") : cfg.path("batch_shape");
    if (!shape.isArray() || shape.size() < 2) {
      throw unsupported(c, "an input without batch_input_shape");
    }
    String dtype = cfg.path("dtype").asText("float32");
    if (!dtype.equals("float32")) {
      throw unsupported(c, "input dtype " + dtype + " (only float32)");
    }
    int[] dims = new int[shape.size() - 1];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i + 1);
      if (!d.isNumber() || d.asInt() < 1) {
        throw unsupported(
            c, "input shape " + shape + " with an unknown dimension (only the batch may be)");
      }
      dims[i] = d.asInt();
    }
    if (dims.length != 1 && dims.length != 3) {
      throw unsupported(c, "input shape " + shape + " (only [null, F] or [null, H, W, C])");
    }
    return new Value(c.name(), dims);
  }

  /** Conv2D: Y = X ⋆ W + b with W transposed HWIO → OIHW; optional groups. */
  private Value conv2d(Call c, Value x) {
    JsonNode cfg = c.config();
    int[] s = spatial(c, x);
    int groups = cfg.path("groups").asInt(1);
    int channels = s[2];
    if (groups < 1 || channels % groups != 0) {
      throw unsupported(c, "groups " + groups + " for " + channels + " input channels");
    }
    Weight k = weight(c, "kernel", 4);
    int kh = k.shape()[0];
    int kw = k.shape()[1];
    int filters = k.shape()[3];
    if (k.shape()[2] != channels / groups) {
      throw mismatch(c, k, "input channels " + channels / groups);
    }
    // W[o][i][y][x] = K[y][x][i][o]
    int ci = channels / groups;
    float[] w = new float[k.data().length];
    for (int y = 0; y < kh; y++) {
      for (int xx = 0; xx < kw; xx++) {
        for (int i = 0; i < ci; i++) {
          for (int o = 0; o < filters; o++) {
            w[((o * ci + i) * kh + y) * kw + xx] = k.data()[((y * kw + xx) * ci + i) * filters + o];
          }
        }
      }
    }
    String wName = init(c.name() + "/kernel", w, filters, ci, kh, kw);
    Value out =
        conv(c, x, wName, bias(c, filters), new int[] {kh, kw}, groups, filters, mainName(c));
    return activation(c, cfg.path("activation").asText("linear"), out);
  }

  /** DepthwiseConv2D: a grouped conv with group = C, W[c·m + j][0] = K[:, :, c, j]. */
  private Value depthwise(Call c, Value x) {
    JsonNode cfg = c.config();
    int[] s = spatial(c, x);
    int channels = s[2];
    Weight k = weight(c, "depthwise_kernel", 4);
    String wName = depthwiseKernel(c, k, channels);
    int outChannels = channels * k.shape()[3];
    Value out =
        conv(
            c,
            x,
            wName,
            bias(c, outChannels),
            new int[] {k.shape()[0], k.shape()[1]},
            channels,
            outChannels,
            mainName(c));
    return activation(c, cfg.path("activation").asText("linear"), out);
  }

  /** SeparableConv2D: a depthwise conv (with the layer's strides and padding), then a 1×1 conv. */
  private Value separable(Call c, Value x) {
    JsonNode cfg = c.config();
    int[] s = spatial(c, x);
    int channels = s[2];
    Weight dk = weight(c, "depthwise_kernel", 4);
    String dName = depthwiseKernel(c, dk, channels);
    int mid = channels * dk.shape()[3];
    Value depth =
        conv(
            c,
            x,
            dName,
            null,
            new int[] {dk.shape()[0], dk.shape()[1]},
            channels,
            mid,
            c.name() + "/depthwise");
    Weight pk = weight(c, "pointwise_kernel", 4);
    if (pk.shape()[0] != 1 || pk.shape()[1] != 1 || pk.shape()[2] != mid) {
      throw mismatch(c, pk, "[1, 1, " + mid + ", filters]");
    }
    int filters = pk.shape()[3];
    // W[o][i] = K[0][0][i][o]
    float[] w = new float[pk.data().length];
    for (int i = 0; i < mid; i++) {
      for (int o = 0; o < filters; o++) {
        w[o * mid + i] = pk.data()[i * filters + o];
      }
    }
    String wName = init(c.name() + "/pointwise_kernel", w, filters, mid, 1, 1);
    List<String> inputs = new ArrayList<>(List.of(depth.name(), wName));
    String b = bias(c, filters);
    if (b != null) {
      inputs.add(b);
    }
    String name = mainName(c);
    node(
        "Conv",
        name,
        inputs,
        ints("kernel_shape", 1, 1),
        ints("strides", 1, 1),
        ints("pads", 0, 0, 0, 0),
        ints("dilations", 1, 1),
        intAttr("group", 1));
    int[] ds = depth.shape();
    return activation(
        c,
        cfg.path("activation").asText("linear"),
        new Value(name, new int[] {ds[0], ds[1], filters}));
  }

  private String depthwiseKernel(Call c, Weight k, int channels) {
    int kh = k.shape()[0];
    int kw = k.shape()[1];
    int m = k.shape()[3];
    if (k.shape()[2] != channels) {
      throw mismatch(c, k, "input channels " + channels);
    }
    // W[c·m + j][0][y][x] = K[y][x][c][j]
    float[] w = new float[k.data().length];
    for (int y = 0; y < kh; y++) {
      for (int xx = 0; xx < kw; xx++) {
        for (int ch = 0; ch < channels; ch++) {
          for (int j = 0; j < m; j++) {
            w[((ch * m + j) * kh + y) * kw + xx] =
                k.data()[((y * kw + xx) * channels + ch) * m + j];
          }
        }
      }
    }
    return init(c.name() + "/depthwise_kernel", w, channels * m, 1, kh, kw);
  }

  /** One ONNX Conv with the layer's strides, dilations and padding; folds a pending zero pad. */
  private Value conv(
      Call c,
      Value x,
      String kernel,
      String bias,
      int[] kernelSize,
      int group,
      int outChannels,
      String outName) {
    JsonNode cfg = c.config();
    int[] strides = pair(c, "strides", 1);
    int[] dilations = pair(c, "dilation_rate", 1);
    String padding = cfg.path("padding").asText("valid");
    int[] s = x.shape();
    int[][] window = window(c, s, kernelSize, strides, dilations, padding);
    int[] pads = window[1];
    String input = x.name();
    if (x.pads() != null) {
      // zero padding then a conv = the conv with larger zero pads
      input = x.padSource();
      for (int i = 0; i < 4; i++) {
        pads[i] += x.pads()[i];
      }
    }
    List<String> inputs = new ArrayList<>(List.of(input, kernel));
    if (bias != null) {
      inputs.add(bias);
    }
    node(
        "Conv",
        outName,
        inputs,
        ints("kernel_shape", kernelSize[0], kernelSize[1]),
        ints("strides", strides[0], strides[1]),
        ints("pads", pads[0], pads[1], pads[2], pads[3]),
        ints("dilations", dilations[0], dilations[1]),
        intAttr("group", group));
    return new Value(outName, new int[] {window[0][0], window[0][1], outChannels});
  }

  /**
   * Output size and ONNX pads (top, left, bottom, right) of a 2-D window. valid: {@code ⌊(J −
   * D(K−1) − 1)/S⌋ + 1}; same: {@code ⌈J/S⌉} with {@code max((out−1)S + D(K−1) + 1 − J, 0)}
   * padding, the smaller half first.
   */
  private int[][] window(
      Call c, int[] shape, int[] kernel, int[] strides, int[] dilations, String padding) {
    int[] out = new int[2];
    int[] pads = new int[4];
    for (int i = 0; i < 2; i++) {
      int in = shape[i];
      int extent = dilations[i] * (kernel[i] - 1) + 1;
      switch (padding) {
        case "valid" -> out[i] = in >= extent ? (in - extent) / strides[i] + 1 : 0;
        case "same" -> {
          out[i] = (in + strides[i] - 1) / strides[i];
          int total = Math.max((out[i] - 1) * strides[i] + extent - in, 0);
          pads[i] = total / 2;
          pads[i + 2] = total - total / 2;
        }
        default -> throw unsupported(c, "padding '" + padding + "'");
      }
      if (out[i] < 1) {
        throw new InvalidModelException(
            source
                + ": layer '"
                + c.name()
                + "': window "
                + Arrays.toString(kernel)
                + " does not fit input "
                + Arrays.toString(shape));
      }
    }
    return new int[][] {out, pads};
  }

  /** BatchNormalization: y = γ(x − μ)/√(σ² + ε) + β over the channel axis. */
  private Value batchNorm(Call c, Value x) {
    JsonNode cfg = c.config();
    int rank = x.shape().length + 1;
    JsonNode axes = cfg.path("axis");
    // an int, or a one-element list
    JsonNode axisNode = axes.isArray() && axes.size() == 1 ? axes.get(0) : axes;
    int axis = axisNode.isMissingNode() ? -1 : axisNode.isInt() ? axisNode.asInt() : 0;
    if (axis != -1 && axis != rank - 1) {
      throw unsupported(c, "normalisation over axis " + axis + " (only the channel axis, -1)");
    }
    int n = x.channels();
    float[] ones = new float[n];
    Arrays.fill(ones, 1f);
    String gamma =
        cfg.path("scale").asBoolean(true)
            ? init(vector(c, "gamma", n))
            : init(c.name() + "/gamma", ones, n);
    String beta =
        cfg.path("center").asBoolean(true)
            ? init(vector(c, "beta", n))
            : init(c.name() + "/beta", new float[n], n);
    String mean = init(vector(c, "moving_mean", n));
    String var = init(vector(c, "moving_variance", n));
    float eps = (float) cfg.path("epsilon").asDouble(1e-3);
    node(
        "BatchNormalization",
        c.name(),
        List.of(x.name(), gamma, beta, mean, var),
        floatAttr("epsilon", eps));
    return new Value(c.name(), x.shape());
  }

  /** Dense: y = x·W + b (Keras stores W as [in, out], Gemm's B without transposition). */
  private Value dense(Call c, Value x) {
    if (x.shape().length != 1) {
      throw unsupported(
          c, "a Dense on input of shape " + Arrays.toString(x.shape()) + " (only [N, F])");
    }
    Weight k = weight(c, "kernel", 2);
    if (k.shape()[0] != x.shape()[0]) {
      throw mismatch(c, k, "input features " + x.shape()[0]);
    }
    int units = k.shape()[1];
    List<String> inputs =
        new ArrayList<>(List.of(x.name(), init(c.name() + "/kernel", k.data(), k.shape())));
    String b = bias(c, units);
    if (b != null) {
      inputs.add(b);
    }
    String name = mainName(c);
    node("Gemm", name, inputs, floatAttr("alpha", 1f), floatAttr("beta", 1f));
    return activation(
        c, c.config().path("activation").asText("linear"), new Value(name, new int[] {units}));
  }

  /** ReLU(max_value, negative_slope, threshold) as Relu, Clip(0, max) or LeakyRelu. */
  private Value relu(Call c, Value x) {
    JsonNode cfg = c.config();
    JsonNode max = cfg.path("max_value");
    double slope = cfg.path("negative_slope").asDouble(0);
    double threshold = cfg.path("threshold").asDouble(0);
    boolean bounded = max.isNumber();
    if (threshold != 0) {
      throw unsupported(c, "threshold " + threshold);
    }
    if (slope == 0) {
      return bounded
          ? clip(c.name(), x, 0f, (float) max.asDouble())
          : unary(c, "Relu", c.name(), x);
    }
    if (bounded) {
      throw unsupported(c, "a negative slope together with max_value");
    }
    return unary(c, "LeakyRelu", c.name(), x, floatAttr("alpha", (float) slope));
  }

  /** A Keras activation function applied to {@code x}; the result is named after the layer. */
  private Value activation(Call c, String fn, Value x) {
    String out = c.name();
    return switch (fn) {
      case "linear" -> x;
      case "relu" -> unary(c, "Relu", out, x);
      case "relu6" -> clip(out, x, 0f, 6f);
      case "sigmoid" -> unary(c, "Sigmoid", out, x);
      case "tanh" -> unary(c, "Tanh", out, x);
      case "softmax" -> unary(c, "Softmax", out, x, intAttr("axis", 1));
      case "elu" -> unary(c, "Elu", out, x, floatAttr("alpha", 1f));
      case "selu" -> unary(c, "Selu", out, x);
      case "softplus" -> unary(c, "Softplus", out, x);
      case "softsign" -> unary(c, "Softsign", out, x);
      case "exponential" -> unary(c, "Exp", out, x);
      // Keras: max(0, min(1, 0.2·x + 0.5))
      case "hard_sigmoid" ->
          unary(c, "HardSigmoid", out, x, floatAttr("alpha", 0.2f), floatAttr("beta", 0.5f));
      case "swish", "silu" -> {
        Value sig = unary(c, "Sigmoid", out + "/sigmoid", x);
        node("Mul", out, List.of(x.name(), sig.name()));
        yield new Value(out, x.shape());
      }
      default -> throw unsupported(c, "activation '" + fn + "'");
    };
  }

  private Value unary(Call c, String op, String out, Value x, AttributeProto... attrs) {
    node(op, out, List.of(x.name()), attrs);
    return new Value(out, x.shape());
  }

  private Value clip(String out, Value x, float min, float max) {
    String lo = init(out + "/min", new float[] {min});
    String hi = init(out + "/max", new float[] {max});
    node("Clip", out, List.of(x.name(), lo, hi));
    return new Value(out, x.shape());
  }

  /** Add, Subtract, Multiply, Average of equally shaped inputs. */
  private Value merge(Call c, List<Value> in) {
    if (in.size() < 2 || (c.className().equals("Subtract") && in.size() != 2)) {
      throw unsupported(c, in.size() + " inputs");
    }
    List<Value> xs = in.stream().map(this::materialize).toList();
    int[] shape = xs.getFirst().shape();
    for (Value v : xs) {
      if (!Arrays.equals(v.shape(), shape)) {
        throw unsupported(
            c,
            "inputs of different shapes "
                + Arrays.toString(shape)
                + " and "
                + Arrays.toString(v.shape()));
      }
    }
    String op =
        switch (c.className()) {
          case "Subtract" -> "Sub";
          case "Multiply" -> "Mul";
          default -> "Add";
        };
    boolean average = c.className().equals("Average");
    String acc = xs.getFirst().name();
    for (int i = 1; i < xs.size(); i++) {
      boolean last = i == xs.size() - 1 && !average;
      String out = last ? c.name() : c.name() + "/partial" + i;
      node(op, out, List.of(acc, xs.get(i).name()));
      acc = out;
    }
    if (average) {
      String scale = init(c.name() + "/scale", new float[] {1f / xs.size()});
      node("Mul", c.name(), List.of(acc, scale));
    }
    return new Value(c.name(), shape);
  }

  private Value concatenate(Call c, List<Value> in) {
    List<Value> xs = in.stream().map(this::materialize).toList();
    int rank = xs.getFirst().shape().length + 1;
    int kerasAxis = c.config().path("axis").asInt(-1);
    int axis = onnxAxis(c, kerasAxis, rank);
    int k = (kerasAxis < 0 ? kerasAxis + rank : kerasAxis) - 1; // in the Keras shape, no batch
    int[] out = xs.getFirst().shape().clone();
    for (int i = 1; i < xs.size(); i++) {
      int[] s = xs.get(i).shape();
      boolean fits = s.length == out.length;
      for (int d = 0; fits && d < s.length; d++) {
        fits = d == k || s[d] == out[d];
      }
      if (!fits) {
        throw unsupported(
            c,
            "inputs "
                + Arrays.toString(out)
                + " and "
                + Arrays.toString(s)
                + " on axis "
                + kerasAxis);
      }
      out[k] += s[k];
    }
    node("Concat", c.name(), xs.stream().map(Value::name).toList(), intAttr("axis", axis));
    return new Value(c.name(), out);
  }

  /** Max: y = max over the window; Average: mean over the window's cells inside the input. */
  private Value pool(Call c, Value x) {
    JsonNode cfg = c.config();
    int[] s = spatial(c, x);
    int[] size = pair(c, "pool_size", 2);
    JsonNode st = cfg.path("strides");
    // Keras: strides default to the pool size
    int[] strides = st.isMissingNode() || st.isNull() ? size : pair(c, "strides", 1);
    int[][] window =
        window(c, s, size, strides, new int[] {1, 1}, cfg.path("padding").asText("valid"));
    int[] pads = window[1];
    String op = c.className().equals("MaxPooling2D") ? "MaxPool" : "AveragePool";
    // TF averages over the cells inside the input only: count_include_pad = 0 (the ONNX default)
    node(
        op,
        c.name(),
        List.of(x.name()),
        ints("kernel_shape", size[0], size[1]),
        ints("strides", strides[0], strides[1]),
        ints("pads", pads[0], pads[1], pads[2], pads[3]));
    return new Value(c.name(), new int[] {window[0][0], window[0][1], s[2]});
  }

  private Value globalPool(Call c, Value x) {
    int[] s = spatial(c, x);
    String op = c.className().equals("GlobalMaxPooling2D") ? "GlobalMaxPool" : "GlobalAveragePool";
    if (c.config().path("keepdims").asBoolean(false)) {
      node(op, c.name(), List.of(x.name()));
      return new Value(c.name(), new int[] {1, 1, s[2]});
    }
    String pooled = c.name() + "/pooled";
    node(op, pooled, List.of(x.name()));
    node("Flatten", c.name(), List.of(pooled), intAttr("axis", 1));
    return new Value(c.name(), new int[] {s[2]});
  }

  /** Pending until a consumer either folds it (convolutions) or needs the Pad node. */
  private Value zeroPadding(Call c, Value x) {
    int[] s = spatial(c, x);
    JsonNode p = c.config().path("padding");
    int[] pads; // top, left, bottom, right
    if (p.isNumber()) {
      pads = new int[] {p.asInt(), p.asInt(), p.asInt(), p.asInt()};
    } else if (p.isArray() && p.size() == 2 && p.get(0).isNumber()) {
      pads = new int[] {p.get(0).asInt(), p.get(1).asInt(), p.get(0).asInt(), p.get(1).asInt()};
    } else if (p.isArray() && p.size() == 2 && p.get(0).size() == 2 && p.get(1).size() == 2) {
      pads =
          new int[] {
            p.get(0).get(0).asInt(), p.get(1).get(0).asInt(),
            p.get(0).get(1).asInt(), p.get(1).get(1).asInt()
          };
    } else {
      throw unsupported(c, "padding " + p);
    }
    for (int v : pads) {
      if (v < 0) {
        throw unsupported(c, "negative padding " + p);
      }
    }
    int[] shape = {s[0] + pads[0] + pads[2], s[1] + pads[1] + pads[3], s[2]};
    return new Value(c.name(), shape, x.name(), pads);
  }

  /** The Pad node of a pending zero padding (made once), or {@code x} itself. */
  private Value materialize(Value x) {
    if (x.pads() == null) {
      return x;
    }
    if (emittedPads.add(x.name())) {
      int[] p = x.pads();
      String pads = initLongs(x.name() + "/pads", new long[] {0, 0, p[0], p[1], 0, 0, p[2], p[3]});
      node("Pad", x.name(), List.of(x.padSource(), pads));
    }
    return new Value(x.name(), x.shape());
  }

  /** Keras flattens H, W, C in that order: go back to NHWC first unless the map is 1×1. */
  private Value flatten(Call c, Value x) {
    int[] s = x.shape();
    if (s.length == 1) {
      return x;
    }
    String in = x.name();
    if (s[0] * s[1] > 1) {
      in = c.name() + "/nhwc";
      node("Transpose", in, List.of(x.name()), ints("perm", 0, 2, 3, 1));
    }
    node("Flatten", c.name(), List.of(in), intAttr("axis", 1));
    return new Value(c.name(), new int[] {s[0] * s[1] * s[2]});
  }

  // ---- helpers ----

  private Value one(Call c, List<Value> in) {
    if (in.size() != 1) {
      throw unsupported(c, in.size() + " inputs (expects 1)");
    }
    return in.getFirst();
  }

  /** The [H, W, C] shape of a 4-D input. */
  private int[] spatial(Call c, Value x) {
    if (x.shape().length != 3) {
      throw unsupported(
          c,
          "input of shape [N, "
              + Arrays.toString(x.shape()).substring(1)
              + " (needs [N, H, W, C])");
    }
    return x.shape();
  }

  /** The name of a layer's main node: the layer's own name unless an activation follows. */
  private static String mainName(Call c) {
    return c.config().path("activation").asText("linear").equals("linear")
        ? c.name()
        : c.name() + "/linear";
  }

  /** Maps a Keras axis (channels last, counting the batch) to the NCHW axis. */
  private int onnxAxis(Call c, int kerasAxis, int rank) {
    int a = kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
    if (a < 0 || a >= rank) {
      throw unsupported(c, "axis " + kerasAxis + " for rank " + rank);
    }
    if (a == 0 || rank == 2) {
      return a;
    }
    return a == rank - 1 ? 1 : a + 1;
  }

  private int[] pair(Call c, String key, int absent) {
    JsonNode v = c.config().path(key);
    if (v.isMissingNode() || v.isNull()) {
      return new int[] {absent, absent};
    }
    if (v.isNumber()) {
      return new int[] {v.asInt(), v.asInt()};
    }
    if (v.isArray() && v.size() == 2) {
      return new int[] {v.get(0).asInt(), v.get(1).asInt()};
    }
    throw unsupported(c, key + " " + v);
  }

  private String bias(Call c, int n) {
    return c.config().path("use_bias").asBoolean(true) ? init(vector(c, "bias", n)) : null;
  }

  private Weight vector(Call c, String kind, int n) {
    Weight w = weight(c, kind, 1);
    if (w.shape()[0] != n) {
      throw mismatch(c, w, "[" + n + "]");
    }
    return w;
  }

  /**
   * The weight {@code <layer>/<kind>}, also found under a scope prefix ({@code model/<layer>/...}).
   */
  private Weight weight(Call c, String kind, int rank) {
    String key = c.name() + "/" + kind;
    Weight w = weights.get(key);
    if (w == null) {
      for (Map.Entry<String, Weight> e : weights.entrySet()) {
        if (e.getKey().endsWith("/" + key)) {
          if (w != null) {
            throw new InvalidModelException(source + ": weight " + key + " is ambiguous");
          }
          w = e.getValue();
        }
      }
    }
    if (w == null) {
      throw new InvalidModelException(
          source
              + ": layer '"
              + c.name()
              + "' ("
              + c.className()
              + ") needs weight "
              + key
              + ", which the weights manifest does not list");
    }
    if (w.shape().length != rank) {
      throw mismatch(c, w, "rank " + rank);
    }
    return w;
  }

  private InvalidModelException mismatch(Call c, Weight w, String expected) {
    return new InvalidModelException(
        source
            + ": layer '"
            + c.name()
            + "': weight "
            + w.name()
            + " has shape "
            + Arrays.toString(w.shape())
            + ", expected "
            + expected);
  }

  private InvalidModelException unsupported(Call c, String what) {
    return new InvalidModelException(
        source + ": layer '" + c.name() + "' (" + c.className() + "): unsupported " + what);
  }

  // ---- ONNX writing ----

  private void node(String op, String out, List<String> inputs, AttributeProto... attrs) {
    graph.addNode(
        NodeProto.newBuilder()
            .setName(out)
            .setOpType(op)
            .addAllInput(inputs)
            .addOutput(out)
            .addAllAttribute(List.of(attrs)));
  }

  private String init(Weight w) {
    return init(w.name(), w.data(), w.shape());
  }

  private String init(String name, float[] data, int... dims) {
    ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .setRawData(ByteString.copyFrom(bytes.array()));
    for (int d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t);
    return name;
  }

  private String initLongs(String name, long[] data) {
    ByteBuffer bytes = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(data);
    graph.addInitializer(
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.INT64.getNumber())
            .addDims(data.length)
            .setRawData(ByteString.copyFrom(bytes.array())));
    return name;
  }

  /** [N, C, H, W] for a Keras [H, W, C], [N, F] for [F]. */
  private static ValueInfoProto valueInfo(String name, int[] kerasShape) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    int r = kerasShape.length;
    List<Integer> dims = new ArrayList<>();
    if (r > 1) {
      dims.add(kerasShape[r - 1]);
    }
    for (int i = 0; i < (r > 1 ? r - 1 : r); i++) {
      dims.add(kerasShape[i]);
    }
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  private static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  private static AttributeProto floatAttr(String name, float v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  private static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }
}
