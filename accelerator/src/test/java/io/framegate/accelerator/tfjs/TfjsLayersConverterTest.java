package io.framegate.accelerator.tfjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.ModelProto;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts small Keras models written here as TF.js model.json + weights and checks the converted
 * (NCHW) model, run by the engine, against direct NHWC computations written in this test.
 */
class TfjsLayersConverterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 2;
  private static final int H = 11;
  private static final int W = 9;
  private static final int C = 3;

  @TempDir Path dir;

  @Test
  void conv2dSameStride2WithBiasAndRelu() {
    Keras k = new Keras(1);
    k.input("in", H, W, C);
    // a 4×4 window at stride 2 needs 3 pixels of padding: TF puts the odd one at the end
    float[] kernel = k.weight("conv/kernel", 4, 4, C, 5);
    float[] bias = k.weight("conv/bias", 5);
    k.layer("conv", "Conv2D", List.of("in"), conv(5, 4, 2, "same", 1, "relu", true));
    Nhwc x = Nhwc.random(BATCH, H, W, C, 11);

    Nhwc y = x.conv(kernel, 4, 4, 5, 2, 1, "same", bias).relu();

    assertClose(y, k.run(x, "conv"), 1e-5f);
    assertEquals(6, y.h);
    assertEquals(5, y.w);
  }

  @Test
  void zeroPaddingFoldsIntoValidDilatedConv() throws Exception {
    Keras k = new Keras(2);
    k.input("in", H, W, C);
    ObjectNode pad = JSON.createObjectNode();
    pad.set("padding", JSON.valueToTree(new int[][] {{1, 2}, {0, 1}}));
    k.layer("pad", "ZeroPadding2D", List.of("in"), pad);
    float[] kernel = k.weight("conv/kernel", 3, 2, C, 4);
    k.layer(
        "conv",
        "Conv2D",
        List.of("pad"),
        conv(4, new int[] {3, 2}, 1, "valid", 2, "linear", false));
    Nhwc x = Nhwc.random(BATCH, H, W, C, 12);

    Nhwc y = x.pad(1, 2, 0, 1).conv(kernel, 3, 2, 4, 1, 2, "valid", null);

    ModelProto onnx = k.convert();
    assertTrue(
        onnx.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Pad")),
        "the zero padding should be folded into the conv");
    assertClose(y, k.run(onnx, x, "conv"), 1e-5f);
  }

  @Test
  void zeroPaddingBeforeMaxPoolStaysAPad() {
    Keras k = new Keras(3);
    k.input("in", H, W, C);
    ObjectNode pad = JSON.createObjectNode();
    pad.put("padding", 1);
    k.layer("pad", "ZeroPadding2D", List.of("in"), pad);
    k.layer("pool", "MaxPooling2D", List.of("pad"), pool(3, 2, "valid"));
    Nhwc x = Nhwc.random(BATCH, H, W, C, 13);

    // zeros take part in the max, unlike a pooling's own padding
    Nhwc y = x.pad(1, 1, 1, 1).pool(3, 3, 2, "valid", true);

    assertClose(y, k.run(x, "pool"), 1e-6f);
  }

  @Test
  void depthwiseWithMultiplierThenBatchNormThenRelu6() {
    Keras k = new Keras(4);
    k.input("in", H, W, C);
    float[] kernel = k.weight("dw/depthwise_kernel", 3, 3, C, 2);
    float[] bias = k.weight("dw/bias", C * 2);
    ObjectNode dw = conv(0, 3, 1, "same", 1, "linear", true);
    dw.remove("filters");
    dw.put("depth_multiplier", 2);
    k.layer("dw", "DepthwiseConv2D", List.of("in"), dw);
    float[] gamma = k.weight("bn/gamma", 6);
    float[] beta = k.weight("bn/beta", 6);
    float[] mean = k.weight("bn/moving_mean", 6);
    float[] var = k.positiveWeight("bn/moving_variance", 6);
    ObjectNode bn = JSON.createObjectNode();
    bn.put("axis", -1).put("epsilon", 1e-3).put("center", true).put("scale", true);
    k.layer("bn", "BatchNormalization", List.of("dw"), bn);
    ObjectNode relu = JSON.createObjectNode();
    relu.put("max_value", 6.0).put("negative_slope", 0).put("threshold", 0);
    k.layer("relu", "ReLU", List.of("bn"), relu);
    Nhwc x = Nhwc.random(BATCH, H, W, C, 14).scale(4f);

    Nhwc y = x.depthwise(kernel, 3, 3, 2, bias).batchNorm(gamma, beta, mean, var, 1e-3f).clip(6f);

    assertClose(y, k.run(x, "relu"), 1e-5f);
  }

  @Test
  void flattenOfA3x2MapKeepsKerasOrderThenDenseSoftmax() {
    Keras k = new Keras(5);
    k.input("in", 7, 5, C);
    float[] kernel = k.weight("conv/kernel", 3, 3, C, 4);
    k.layer("conv", "Conv2D", List.of("in"), conv(4, 3, 2, "valid", 1, "tanh", false));
    k.layer("flat", "Flatten", List.of("conv"), JSON.createObjectNode());
    float[] dk = k.weight("fc/kernel", 3 * 2 * 4, 7);
    float[] db = k.weight("fc/bias", 7);
    ObjectNode fc = JSON.createObjectNode();
    fc.put("units", 7).put("activation", "softmax").put("use_bias", true);
    k.layer("fc", "Dense", List.of("flat"), fc);
    k.layer("drop", "Dropout", List.of("fc"), JSON.createObjectNode().put("rate", 0.5));
    Nhwc x = Nhwc.random(BATCH, 7, 5, C, 15);

    Nhwc conv = x.conv(kernel, 3, 3, 4, 2, 1, "valid", null).tanh();
    assertEquals(3, conv.h);
    assertEquals(2, conv.w);
    // NHWC data is already in Keras's flatten order
    float[] expected = softmaxRows(dense(conv.data, BATCH, 24, dk, db, 7), BATCH, 7);

    Tensor out = k.convertAndRun(x).get("drop");
    assertArrayEquals(new int[] {BATCH, 7}, out.shape());
    assertArrayEquals(expected, out.floats(), 1e-6f);
  }

  @Test
  void residualAddConcatAndPoolingsInAFunctionalModel() {
    Keras k = new Keras(6);
    k.input("in", H, W, C);
    float[] ka = k.weight("a/kernel", 1, 1, C, 4);
    k.layer("a", "Conv2D", List.of("in"), conv(4, 1, 1, "same", 1, "linear", false));
    float[] kb = k.weight("b/kernel", 3, 3, C, 4);
    k.layer("b", "Conv2D", List.of("in"), conv(4, 3, 1, "same", 1, "linear", false));
    k.layer("sum", "Add", List.of("a", "b"), JSON.createObjectNode());
    k.layer("max", "MaxPooling2D", List.of("sum"), pool(3, 2, "same"));
    // 2×2 at stride 2 over 11×9 pads one cell at the end, which the average leaves out
    k.layer("avg", "AveragePooling2D", List.of("sum"), pool(2, 2, "same"));
    k.layer("cat", "Concatenate", List.of("max", "avg"), JSON.createObjectNode().put("axis", -1));
    k.layer("gap", "GlobalAveragePooling2D", List.of("cat"), JSON.createObjectNode());
    k.outputs("cat", "gap");
    Nhwc x = Nhwc.random(BATCH, H, W, C, 16);

    Nhwc sum = x.conv(ka, 1, 1, 4, 1, 1, "same", null).add(x.conv(kb, 3, 3, 4, 1, 1, "same", null));
    Nhwc cat = sum.pool(3, 3, 2, "same", true).concat(sum.pool(2, 2, 2, "same", false));
    float[] gap = cat.globalAverage();

    Map<String, Tensor> out = k.convertAndRun(x);
    assertClose(cat, Nhwc.fromNchw(out.get("cat")), 1e-5f);
    assertArrayEquals(gap, out.get("gap").floats(), 1e-5f);
  }

  @Test
  void bundledMinJsWithUint8WeightsMatchesThePlainModel() throws Exception {
    Keras k = new Keras(7);
    k.input("in", H, W, C);
    k.weight("conv/kernel", 3, 3, C, 2);
    k.weight("conv/bias", 2);
    k.layer("conv", "Conv2D", List.of("in"), conv(2, 3, 1, "valid", 1, "sigmoid", true));
    k.quantizeUint8();
    Nhwc x = Nhwc.random(1, H, W, C, 17);

    // the model as a minifier writes it, in a UMD wrapper, with the weights as a base64 module
    String literal =
        JSON.writeValueAsString(k.modelJson())
            .replaceAll("\"([A-Za-z_][A-Za-z0-9_]*)\":", "$1:")
            .replace("true", "!0")
            .replace("false", "!1")
            .replaceAll("([:,\\[])0\\.", "$1.");
    String wrapper =
        "!function(e){\"object\"==typeof exports&&\"undefined\"!=typeof module?module.exports=e():"
            + "window.model=e()}(function(){return{1:[function(e,a,n){a.exports=";
    Path model = dir.resolve("model.min.js");
    Files.writeString(model, wrapper + literal + "},{}]}});");
    Files.writeString(
        dir.resolve("group1-shard1of1.min.js"),
        wrapper + "\"" + Base64.getEncoder().encodeToString(k.weightBytes()) + "\"},{}]}});");

    ModelProto fromJs = TfjsLayersConverter.convert(model, List.of());
    Nhwc expected =
        x.conv(k.dequantized("conv/kernel"), 3, 3, 2, 1, 1, "valid", k.dequantized("conv/bias"))
            .sigmoid();
    assertClose(expected, k.run(fromJs, x, "conv"), 1e-5f);
    assertClose(expected, k.run(k.convert(), x, "conv"), 1e-5f);
  }

  @Test
  void dequantisesUint8AndUint16AsQTimesScalePlusMin() {
    ObjectNode model = JSON.createObjectNode();
    ArrayNode specs = model.putArray("weightsManifest").addObject().putArray("weights");
    specs
        .addObject()
        .put("name", "a")
        .put("dtype", "float32")
        .set("shape", JSON.valueToTree(new int[] {3}));
    ((ObjectNode) specs.get(0))
        .putObject("quantization")
        .put("dtype", "uint8")
        .put("min", -1.5)
        .put("scale", 0.25);
    specs
        .addObject()
        .put("name", "b")
        .put("dtype", "float32")
        .set("shape", JSON.valueToTree(new int[] {2}));
    ((ObjectNode) specs.get(1))
        .putObject("quantization")
        .put("dtype", "uint16")
        .put("min", 2.0)
        .put("scale", 0.5);
    byte[] data = {0, 7, (byte) 255, 3, 0, (byte) 0xff, (byte) 0xff};

    Map<String, TfjsWeights.Weight> w = TfjsWeights.decode(model.get("weightsManifest"), data, "t");

    assertArrayEquals(new float[] {-1.5f, 7 * 0.25f - 1.5f, 255 * 0.25f - 1.5f}, w.get("a").data());
    assertArrayEquals(new float[] {3 * 0.5f + 2, 65535 * 0.5f + 2}, w.get("b").data());
  }

  @Test
  void unknownLayerNamesItsClassAndName() throws Exception {
    Keras k = new Keras(8);
    k.input("in", H, W, C);
    k.layer("fancy", "Conv3DTranspose", List.of("in"), JSON.createObjectNode());
    InvalidModelException e = assertThrows(InvalidModelException.class, k::convert);
    assertTrue(e.getMessage().contains("Conv3DTranspose"), e.getMessage());
    assertTrue(e.getMessage().contains("'fancy'"), e.getMessage());
  }

  @Test
  void missingWeightAndShortShardsAreClearErrors() {
    Keras k = new Keras(9);
    k.input("in", H, W, C);
    k.layer("conv", "Conv2D", List.of("in"), conv(2, 3, 1, "valid", 1, "linear", false));
    InvalidModelException e = assertThrows(InvalidModelException.class, k::convert);
    assertTrue(e.getMessage().contains("conv/kernel"), e.getMessage());

    Keras k2 = new Keras(10);
    k2.input("in", H, W, C);
    k2.weight("conv/kernel", 3, 3, C, 2);
    k2.layer("conv", "Conv2D", List.of("in"), conv(2, 3, 1, "valid", 1, "linear", false));
    byte[] all = k2.weightBytes();
    byte[] shortData = java.util.Arrays.copyOf(all, all.length - 4);
    e =
        assertThrows(
            InvalidModelException.class,
            () -> TfjsLayersConverter.convert(k2.modelJson(), shortData, "m"));
    assertTrue(e.getMessage().contains("missing shard"), e.getMessage());
  }

  @Test
  void graphModelsAreRejected() {
    ObjectNode model = JSON.createObjectNode();
    model.putObject("modelTopology").putArray("node");
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class,
            () -> TfjsLayersConverter.convert(model, new byte[0], "g.json"));
    assertTrue(e.getMessage().contains("graph model"), e.getMessage());
  }

  @Test
  void jsLiteralsParseMinifiedSyntax() {
    JsonNode v =
        JsLiterals.parse("{a:!0,'b':[.5,-.25,1e-3,null,void 0],c:\"x\\\"y\\u0041\",d:!1}", "t");
    assertTrue(v.get("a").asBoolean());
    assertEquals(0.5, v.get("b").get(0).asDouble());
    assertEquals(-0.25, v.get("b").get(1).asDouble());
    assertEquals(1e-3, v.get("b").get(2).asDouble());
    assertTrue(v.get("b").get(4).isNull());
    assertEquals("x\"yA", v.get("c").asText());
    assertTrue(v.get("d").isBoolean() && !v.get("d").asBoolean());
    assertThrows(InvalidModelException.class, () -> JsLiterals.parse("{a:foo()}", "t"));
  }

  // ---- a Keras functional model written as TF.js model.json + one weight shard ----

  private static ObjectNode conv(
      int filters, int kernel, int stride, String padding, int dilation, String act, boolean bias) {
    return conv(filters, new int[] {kernel, kernel}, stride, padding, dilation, act, bias);
  }

  private static ObjectNode conv(
      int filters,
      int[] kernel,
      int stride,
      String padding,
      int dilation,
      String act,
      boolean bias) {
    ObjectNode c = JSON.createObjectNode();
    c.put("filters", filters);
    c.set("kernel_size", JSON.valueToTree(kernel));
    c.set("strides", JSON.valueToTree(new int[] {stride, stride}));
    c.put("padding", padding);
    c.put("data_format", "channels_last");
    c.set("dilation_rate", JSON.valueToTree(new int[] {dilation, dilation}));
    c.put("activation", act);
    c.put("use_bias", bias);
    return c;
  }

  private static ObjectNode pool(int size, int stride, String padding) {
    ObjectNode p = JSON.createObjectNode();
    p.set("pool_size", JSON.valueToTree(new int[] {size, size}));
    p.set("strides", JSON.valueToTree(new int[] {stride, stride}));
    p.put("padding", padding);
    return p;
  }

  private final class Keras {
    private final Random random;
    private final ArrayNode layers = JSON.createArrayNode();
    private final List<String> weightNames = new ArrayList<>();
    private final List<int[]> weightShapes = new ArrayList<>();
    private final List<float[]> weightData = new ArrayList<>();
    private final List<float[]> quantization = new ArrayList<>(); // {min, scale} or null
    private final List<String> outputs = new ArrayList<>();
    private String input;

    Keras(long seed) {
      random = new Random(seed);
    }

    void input(String name, int... hwc) {
      ObjectNode cfg = JSON.createObjectNode();
      ArrayNode shape = cfg.putArray("batch_input_shape").addNull();
      for (int d : hwc) {
        shape.add(d);
      }
      cfg.put("dtype", "float32").put("name", name);
      ObjectNode l = layers.addObject();
      l.put("name", name).put("class_name", "InputLayer").set("config", cfg);
      l.putArray("inbound_nodes");
      input = name;
    }

    void layer(String name, String cls, List<String> inbound, ObjectNode config) {
      config.put("name", name);
      ObjectNode l = layers.addObject();
      l.put("name", name).put("class_name", cls).set("config", config);
      ArrayNode call = l.putArray("inbound_nodes").addArray();
      for (String in : inbound) {
        call.addArray().add(in).add(0).add(0).addObject();
      }
    }

    void outputs(String... names) {
      outputs.addAll(List.of(names));
    }

    float[] weight(String name, int... shape) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = random.nextFloat() * 2 - 1;
      }
      return add(name, shape, v);
    }

    float[] positiveWeight(String name, int n) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = 0.3f + random.nextFloat();
      }
      return add(name, new int[] {n}, v);
    }

    private float[] add(String name, int[] shape, float[] v) {
      weightNames.add(name);
      weightShapes.add(shape);
      weightData.add(v);
      quantization.add(null);
      return v;
    }

    /** Stores every weight as uint8 q with value = q·scale + min, as tfjs converters do. */
    void quantizeUint8() {
      for (int i = 0; i < weightData.size(); i++) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float f : weightData.get(i)) {
          min = Math.min(min, f);
          max = Math.max(max, f);
        }
        quantization.set(i, new float[] {min, (max - min) / 255f});
      }
    }

    float[] dequantized(String name) {
      int i = weightNames.indexOf(name);
      float[] q = quantization.get(i);
      float[] v = weightData.get(i).clone();
      for (int j = 0; j < v.length; j++) {
        int code = Math.round((v[j] - q[0]) / q[1]);
        v[j] = (float) (code * (double) q[1] + q[0]);
      }
      return v;
    }

    ObjectNode modelJson() {
      ObjectNode root = JSON.createObjectNode();
      ObjectNode topology = root.putObject("modelTopology");
      topology.put("keras_version", "2.2.4");
      ObjectNode mc = topology.putObject("model_config");
      mc.put("class_name", "Model");
      ObjectNode cfg = mc.putObject("config");
      cfg.put("name", "test_model");
      cfg.set("layers", layers);
      cfg.putArray("input_layers").addArray().add(input).add(0).add(0);
      ArrayNode outs = cfg.putArray("output_layers");
      List<String> names =
          outputs.isEmpty() ? List.of(layers.get(layers.size() - 1).get("name").asText()) : outputs;
      for (String o : names) {
        outs.addArray().add(o).add(0).add(0);
      }
      ObjectNode group = root.putArray("weightsManifest").addObject();
      group.putArray("paths").add("group1-shard1of1");
      ArrayNode specs = group.putArray("weights");
      for (int i = 0; i < weightNames.size(); i++) {
        ObjectNode s = specs.addObject();
        s.put("name", weightNames.get(i)).put("dtype", "float32");
        s.set("shape", JSON.valueToTree(weightShapes.get(i)));
        if (quantization.get(i) != null) {
          s.putObject("quantization")
              .put("dtype", "uint8")
              .put("min", quantization.get(i)[0])
              .put("scale", quantization.get(i)[1]);
        }
      }
      return root;
    }

    byte[] weightBytes() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < weightData.size(); i++) {
        float[] v = weightData.get(i);
        float[] q = quantization.get(i);
        if (q != null) {
          for (float f : v) {
            out.write(Math.round((f - q[0]) / q[1]));
          }
        } else {
          ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
          b.asFloatBuffer().put(v);
          out.writeBytes(b.array());
        }
      }
      return out.toByteArray();
    }

    ModelProto convert() throws Exception {
      Path json = dir.resolve("model.json");
      Files.writeString(json, JSON.writeValueAsString(modelJson()), StandardCharsets.UTF_8);
      Files.write(dir.resolve("group1-shard1of1"), weightBytes());
      return TfjsLayersConverter.convert(json, List.of());
    }

    Map<String, Tensor> convertAndRun(Nhwc x) {
      try {
        return run(convert(), x);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }

    Nhwc run(Nhwc x, String output) {
      return Nhwc.fromNchw(convertAndRun(x).get(output));
    }

    Nhwc run(ModelProto onnx, Nhwc x, String output) {
      return Nhwc.fromNchw(run(onnx, x).get(output));
    }

    Map<String, Tensor> run(ModelProto onnx, Nhwc x) {
      Model model = Model.load(onnx.toByteArray(), "converted");
      try (ExecutionPlan plan = model.plan(new ReferenceBackend(1), x.n)) {
        return plan.run(Map.of(input, x.toNchw()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  private static void assertClose(Nhwc expected, Nhwc actual, float tol) {
    assertArrayEquals(
        new int[] {expected.n, expected.h, expected.w, expected.c},
        new int[] {actual.n, actual.h, actual.w, actual.c},
        "shape N, H, W, C");
    for (int i = 0; i < expected.data.length; i++) {
      float e = expected.data[i];
      assertEquals(e, actual.data[i], tol * Math.max(1f, Math.abs(e)), "element " + i);
    }
  }

  // y[n][u] = b[u] + Σ_f x[n][f]·K[f][u]
  private static float[] dense(float[] x, int n, int f, float[] k, float[] b, int u) {
    float[] y = new float[n * u];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < u; j++) {
        double s = b[j];
        for (int i = 0; i < f; i++) {
          s += (double) x[r * f + i] * k[i * u + j];
        }
        y[r * u + j] = (float) s;
      }
    }
    return y;
  }

  private static float[] softmaxRows(float[] x, int n, int k) {
    float[] y = new float[x.length];
    for (int r = 0; r < n; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, x[r * k + j]);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(x[r * k + j] - max);
      }
      for (int j = 0; j < k; j++) {
        y[r * k + j] = (float) (Math.exp(x[r * k + j] - max) / sum);
      }
    }
    return y;
  }

  /** An NHWC batch and the Keras semantics of each layer, computed directly. */
  private record Nhwc(float[] data, int n, int h, int w, int c) {
    static Nhwc random(int n, int h, int w, int c, long seed) {
      Random r = new Random(seed);
      float[] d = new float[n * h * w * c];
      for (int i = 0; i < d.length; i++) {
        d[i] = r.nextFloat() * 2 - 1;
      }
      return new Nhwc(d, n, h, w, c);
    }

    float at(int b, int y, int x, int ch) {
      return data[((b * h + y) * w + x) * c + ch];
    }

    Tensor toNchw() {
      float[] t = new float[data.length];
      for (int b = 0; b < n; b++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int ch = 0; ch < c; ch++) {
              t[((b * c + ch) * h + y) * w + x] = at(b, y, x, ch);
            }
          }
        }
      }
      return Tensor.of(t, n, c, h, w);
    }

    static Nhwc fromNchw(Tensor t) {
      int[] s = t.shape();
      assertEquals(4, s.length, "rank of the converted output");
      float[] f = t.floats();
      float[] d = new float[f.length];
      for (int b = 0; b < s[0]; b++) {
        for (int ch = 0; ch < s[1]; ch++) {
          for (int y = 0; y < s[2]; y++) {
            for (int x = 0; x < s[3]; x++) {
              d[((b * s[2] + y) * s[3] + x) * s[1] + ch] =
                  f[((b * s[1] + ch) * s[2] + y) * s[3] + x];
            }
          }
        }
      }
      return new Nhwc(d, s[0], s[2], s[3], s[1]);
    }

    Nhwc map(java.util.function.DoubleUnaryOperator f) {
      float[] d = new float[data.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) f.applyAsDouble(data[i]);
      }
      return new Nhwc(d, n, h, w, c);
    }

    Nhwc relu() {
      return map(v -> Math.max(0, v));
    }

    Nhwc clip(float max) {
      return map(v -> Math.min(max, Math.max(0, v)));
    }

    Nhwc tanh() {
      return map(Math::tanh);
    }

    Nhwc sigmoid() {
      return map(v -> 1 / (1 + Math.exp(-v)));
    }

    Nhwc scale(float s) {
      return map(v -> v * s);
    }

    Nhwc add(Nhwc o) {
      float[] d = data.clone();
      for (int i = 0; i < d.length; i++) {
        d[i] += o.data[i];
      }
      return new Nhwc(d, n, h, w, c);
    }

    Nhwc pad(int top, int bottom, int left, int right) {
      int oh = h + top + bottom;
      int ow = w + left + right;
      float[] d = new float[n * oh * ow * c];
      for (int b = 0; b < n; b++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int ch = 0; ch < c; ch++) {
              d[((b * oh + y + top) * ow + x + left) * c + ch] = at(b, y, x, ch);
            }
          }
        }
      }
      return new Nhwc(d, n, oh, ow, c);
    }

    /** TF output size and leading pad: same → ⌈J/S⌉, pad ⌊total/2⌋; valid → no pad. */
    private static int[] geometry(int in, int k, int s, int d, String padding) {
      int extent = d * (k - 1) + 1;
      if (padding.equals("valid")) {
        return new int[] {(in - extent) / s + 1, 0};
      }
      int out = (in + s - 1) / s;
      int total = Math.max(0, (out - 1) * s + extent - in);
      return new int[] {out, total / 2};
    }

    // y[b][i][j][o] = bias[o] + Σ_{ky,kx,ci} x[b][i·S + ky·D − P][j·S + kx·D −
    // P][ci]·K[ky][kx][ci][o]
    Nhwc conv(float[] k, int kh, int kw, int f, int s, int d, String padding, float[] bias) {
      int[] gy = geometry(h, kh, s, d, padding);
      int[] gx = geometry(w, kw, s, d, padding);
      float[] out = new float[n * gy[0] * gx[0] * f];
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < gy[0]; i++) {
          for (int j = 0; j < gx[0]; j++) {
            for (int o = 0; o < f; o++) {
              double acc = bias == null ? 0 : bias[o];
              for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                  int y = i * s + ky * d - gy[1];
                  int x = j * s + kx * d - gx[1];
                  if (y < 0 || y >= h || x < 0 || x >= w) {
                    continue;
                  }
                  for (int ci = 0; ci < c; ci++) {
                    acc += (double) at(b, y, x, ci) * k[((ky * kw + kx) * c + ci) * f + o];
                  }
                }
              }
              out[((b * gy[0] + i) * gx[0] + j) * f + o] = (float) acc;
            }
          }
        }
      }
      return new Nhwc(out, n, gy[0], gx[0], f);
    }

    // y[b][i][j][ch·m + q] = bias + Σ_{ky,kx} x[b][i + ky − P][j + kx − P][ch]·K[ky][kx][ch][q]
    // (same, stride 1)
    Nhwc depthwise(float[] k, int kh, int kw, int m, float[] bias) {
      int[] gy = geometry(h, kh, 1, 1, "same");
      int[] gx = geometry(w, kw, 1, 1, "same");
      float[] out = new float[n * h * w * c * m];
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            for (int ch = 0; ch < c; ch++) {
              for (int q = 0; q < m; q++) {
                double acc = bias[ch * m + q];
                for (int ky = 0; ky < kh; ky++) {
                  for (int kx = 0; kx < kw; kx++) {
                    int y = i + ky - gy[1];
                    int x = j + kx - gx[1];
                    if (y >= 0 && y < h && x >= 0 && x < w) {
                      acc += (double) at(b, y, x, ch) * k[((ky * kw + kx) * c + ch) * m + q];
                    }
                  }
                }
                out[((b * h + i) * w + j) * c * m + ch * m + q] = (float) acc;
              }
            }
          }
        }
      }
      return new Nhwc(out, n, h, w, c * m);
    }

    // y = γ(x − μ)/√(σ² + ε) + β per channel
    Nhwc batchNorm(float[] g, float[] beta, float[] mean, float[] var, float eps) {
      float[] d = new float[data.length];
      for (int i = 0; i < d.length; i++) {
        int ch = i % c;
        d[i] = (float) (g[ch] * (data[i] - mean[ch]) / Math.sqrt(var[ch] + eps) + beta[ch]);
      }
      return new Nhwc(d, n, h, w, c);
    }

    /** Max or average over the window cells inside the input (TF excludes padding from both). */
    Nhwc pool(int kh, int kw, int s, String padding, boolean max) {
      int[] gy = geometry(h, kh, s, 1, padding);
      int[] gx = geometry(w, kw, s, 1, padding);
      float[] out = new float[n * gy[0] * gx[0] * c];
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < gy[0]; i++) {
          for (int j = 0; j < gx[0]; j++) {
            for (int ch = 0; ch < c; ch++) {
              double acc = max ? Double.NEGATIVE_INFINITY : 0;
              int count = 0;
              for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                  int y = i * s + ky - gy[1];
                  int x = j * s + kx - gx[1];
                  if (y >= 0 && y < h && x >= 0 && x < w) {
                    float v = at(b, y, x, ch);
                    acc = max ? Math.max(acc, v) : acc + v;
                    count++;
                  }
                }
              }
              out[((b * gy[0] + i) * gx[0] + j) * c + ch] = (float) (max ? acc : acc / count);
            }
          }
        }
      }
      return new Nhwc(out, n, gy[0], gx[0], c);
    }

    Nhwc concat(Nhwc o) {
      int cc = c + o.c;
      float[] d = new float[n * h * w * cc];
      for (int p = 0; p < n * h * w; p++) {
        System.arraycopy(data, p * c, d, p * cc, c);
        System.arraycopy(o.data, p * o.c, d, p * cc + c, o.c);
      }
      return new Nhwc(d, n, h, w, cc);
    }

    float[] globalAverage() {
      float[] out = new float[n * c];
      for (int b = 0; b < n; b++) {
        for (int ch = 0; ch < c; ch++) {
          double s = 0;
          for (int p = 0; p < h * w; p++) {
            s += data[(b * h * w + p) * c + ch];
          }
          out[b * c + ch] = (float) (s / (h * w));
        }
      }
      return out;
    }
  }
}
