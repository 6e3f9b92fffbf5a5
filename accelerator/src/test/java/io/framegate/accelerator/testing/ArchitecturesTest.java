package io.framegate.accelerator.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.proto.onnx.AttributeProto;
import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {

  @Test
  void lenet5() throws Exception {
    ModelProto m = parse(Architectures.lenet5());
    assertEquals(13, m.getOpsetImport(0).getVersion());
    assertEquals(7, m.getIrVersion());
    assertOps(
        m,
        Map.of(
            "Conv", 2,
            "Relu", 4,
            "AveragePool", 2,
            "Shape", 1,
            "Gather", 1,
            "Unsqueeze", 1,
            "Concat", 1,
            "Reshape", 1,
            "Gemm", 3,
            "Softmax", 1));
    assertIo(m, new long[] {1, 32, 32}, new long[] {10});
    // conv1 6·1·25+6, conv2 16·6·25+16, fc 400·120+120, 120·84+84, 84·10+10
    assertEquals(
        6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10,
        trainableParameters(m));
    // From opset 13 Unsqueeze takes its axes as an input.
    assertEquals(2, node(m, "Unsqueeze").getInputCount());
  }

  @Test
  void alexnet() throws Exception {
    ModelProto m = parse(Architectures.alexnet());
    assertOps(m, Map.of("Conv", 5, "Relu", 7, "MaxPool", 3, "Flatten", 1, "Dropout", 2, "Gemm", 3));
    assertIo(m, new long[] {3, 224, 224}, new long[] {1000});
    assertEquals(61_100_840L, trainableParameters(m)); // torchvision's published count
  }

  @Test
  void vgg16() throws Exception {
    ModelProto m = parse(Architectures.vgg16());
    assertEquals(6, m.getIrVersion());
    assertOps(
        m,
        Map.of(
            "Conv", 13,
            "Relu", 15,
            "MaxPool", 5,
            "Gemm", 3,
            "Dropout", 2,
            "Shape", 1,
            "Gather", 1,
            "Unsqueeze", 1,
            "Concat", 1,
            "Reshape", 1));
    assertIo(m, new long[] {3, 224, 224}, new long[] {1000});
    assertEquals(138_357_544L, trainableParameters(m)); // torchvision's published count
    // Before opset 13 Unsqueeze carries its axes as an attribute.
    NodeProto unsqueeze = node(m, "Unsqueeze");
    assertEquals(1, unsqueeze.getInputCount());
    assertEquals(List.of(0L), attribute(unsqueeze, "axes").getIntsList());
  }

  @Test
  void inceptionModule() throws Exception {
    ModelProto m = parse(Architectures.inceptionModule());
    assertOps(m, Map.of("Conv", 6, "BatchNormalization", 6, "Relu", 6, "MaxPool", 1, "Concat", 1));
    assertIo(m, new long[] {192, 28, 28}, new long[] {256, 28, 28});
    List<Long> kernels =
        m.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Conv"))
            .map(n -> attribute(n, "kernel_shape").getInts(0))
            .sorted()
            .toList();
    assertEquals(List.of(1L, 1L, 1L, 1L, 3L, 5L), kernels);
  }

  @Test
  void resnet18() throws Exception {
    ModelProto m = parse(Architectures.resnet18());
    assertEquals(9, m.getOpsetImport(0).getVersion());
    assertEquals(4, m.getIrVersion());
    // stem + 8 blocks × 2 + 3 projections; ReLU: stem + 2 per block
    assertOps(
        m,
        Map.of(
            "Conv", 20,
            "BatchNormalization", 20,
            "Relu", 17,
            "Add", 8,
            "MaxPool", 1,
            "GlobalAveragePool", 1,
            "Flatten", 1,
            "Gemm", 1));
    assertIo(m, new long[] {3, 224, 224}, new long[] {1000});
    assertEquals(11_689_512L, trainableParameters(m)); // torchvision's published count
  }

  @Test
  void resnet50Bottleneck() throws Exception {
    ModelProto m = parse(Architectures.resnet50Bottleneck());
    assertOps(m, Map.of("Conv", 4, "BatchNormalization", 4, "Relu", 3, "Add", 1));
    assertIo(m, new long[] {256, 56, 56}, new long[] {256, 56, 56});
    long bn = 2 * (64 + 64 + 256 + 256);
    assertEquals(256 * 64 + 64 * 64 * 9 + 64 * 256 + 256 * 256 + bn, trainableParameters(m));
  }

  @Test
  void mobilenetV2() throws Exception {
    ModelProto m = parse(Architectures.mobilenetV2());
    // 17 blocks: the t=1 block has 2 convs, the other 16 have 3; plus stem and the 1×1 to 1280.
    // Clip follows every conv but the 17 projections; Add where stride 1 and channels match.
    assertOps(
        m,
        Map.of(
            "Conv", 52,
            "BatchNormalization", 52,
            "Clip", 35,
            "Add", 10,
            "GlobalAveragePool", 1,
            "Flatten", 1,
            "Dropout", 1,
            "Gemm", 1));
    assertIo(m, new long[] {3, 224, 224}, new long[] {1000});
    assertEquals(3_504_872L, trainableParameters(m)); // torchvision's published count
    long depthwise =
        m.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Conv") && attribute(n, "group").getI() > 1)
            .count();
    assertEquals(17, depthwise);
    // From opset 11 Clip takes min and max as inputs.
    NodeProto clip = node(m, "Clip");
    assertEquals(3, clip.getInputCount());
    assertEquals(0f, scalar(m, clip.getInput(1)));
    assertEquals(6f, scalar(m, clip.getInput(2)));
  }

  @Test
  void clipBeforeOpset11UsesAttributes() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("clip9", 9, 1);
    String y = b.clip(b.input("x", 3, 5, 7), 0f, 6f);
    ModelProto m = parse(b.output(y, "y").toBytes());
    NodeProto clip = node(m, "Clip");
    assertEquals(1, clip.getInputCount());
    assertEquals(0f, attribute(clip, "min").getF());
    assertEquals(6f, attribute(clip, "max").getF());
  }

  @Test
  void weightsAreSeededHeScaledLittleEndian() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("conv", 13, 7);
    String y = b.conv(b.input("x", 5, 9, 11), 3, 3, 2, 1, 1, 1, true);
    ModelProto m = parse(b.output(y, "y").toBytes());
    TensorProto w = initializer(m, "Conv_0.weight");
    assertEquals(List.of(3L, 5L, 3L, 3L), w.getDimsList());
    float[] values = floats(w);
    assertEquals(3 * 5 * 9, values.length);
    double bound = Math.sqrt(6.0 / (5 * 9));
    double sumSq = 0;
    for (float v : values) {
      assertTrue(Math.abs(v) <= bound, "weight " + v + " beyond ±" + bound);
      sumSq += v * v;
    }
    // Uniform in ±bound has variance bound²/3 = 2/fan_in; 135 samples land well within a factor 2.
    double variance = sumSq / values.length;
    assertTrue(variance > bound * bound / 6 && variance < bound * bound * 2 / 3, "var " + variance);
    // ⌊(9 + 2 − 3)/2⌋ + 1 = 5, ⌊(11 + 2 − 3)/2⌋ + 1 = 6
    assertArrayEquals(new long[] {3, 5, 6}, dims(m.getGraph().getOutput(0)));

    OnnxModelBuilder again = new OnnxModelBuilder("conv", 13, 7);
    String y2 = again.conv(again.input("x", 5, 9, 11), 3, 3, 2, 1, 1, 1, true);
    assertEquals(
        m.getGraph().getInitializerList(),
        again.output(y2, "y").toModelProto().getGraph().getInitializerList());
  }

  @Test
  void rejectsShapesThatDoNotFit() {
    OnnxModelBuilder b = new OnnxModelBuilder("bad", 13, 1);
    String x = b.input("x", 4, 3, 3);
    assertThrows(IllegalArgumentException.class, () -> b.conv(x, 8, 5, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> b.conv(x, 6, 1, 1, 0, 4, 1, false));
    assertThrows(IllegalArgumentException.class, () -> b.gemm(x, 10));
    assertThrows(IllegalArgumentException.class, () -> new OnnxModelBuilder("old", 7, 1));
  }

  // ---- helpers ----

  private static ModelProto parse(byte[] bytes) throws Exception {
    ModelProto m = ModelProto.parseFrom(bytes);
    assertWellFormed(m.getGraph());
    return m;
  }

  /** Every node input is defined before use, every initializer's bytes match its dims. */
  private static void assertWellFormed(GraphProto g) {
    Set<String> defined = new HashSet<>();
    g.getInputList().forEach(v -> defined.add(v.getName()));
    for (TensorProto t : g.getInitializerList()) {
      assertTrue(defined.add(t.getName()), "duplicate " + t.getName());
      long n = t.getDimsList().stream().reduce(1L, Math::multiplyExact);
      int width = t.getDataType() == TensorProto.DataType.INT64_VALUE ? 8 : 4;
      assertEquals(n * width, t.getRawData().size(), t.getName());
    }
    for (NodeProto n : g.getNodeList()) {
      for (String in : n.getInputList()) {
        assertTrue(defined.contains(in), n.getName() + " reads undefined " + in);
      }
      for (String out : n.getOutputList()) {
        assertTrue(defined.add(out), n.getName() + " redefines " + out);
      }
    }
    for (ValueInfoProto out : g.getOutputList()) {
      assertTrue(defined.contains(out.getName()), "output " + out.getName() + " is not made");
    }
  }

  private static void assertOps(ModelProto m, Map<String, Integer> expected) {
    Map<String, Integer> actual = new TreeMap<>();
    for (NodeProto n : m.getGraph().getNodeList()) {
      actual.merge(n.getOpType(), 1, Integer::sum);
    }
    assertEquals(new TreeMap<>(expected), actual);
  }

  private static void assertIo(ModelProto m, long[] input, long[] output) {
    GraphProto g = m.getGraph();
    assertEquals(1, g.getInputCount());
    assertEquals(1, g.getOutputCount());
    assertEquals(Architectures.INPUT, g.getInput(0).getName());
    assertEquals(Architectures.OUTPUT, g.getOutput(0).getName());
    for (ValueInfoProto v : List.of(g.getInput(0), g.getOutput(0))) {
      TensorShapeProto.Dimension batch = v.getType().getTensorType().getShape().getDim(0);
      assertEquals(OnnxModelBuilder.BATCH, batch.getDimParam());
      assertFalse(batch.hasDimValue());
    }
    assertArrayEquals(input, dims(g.getInput(0)));
    assertArrayEquals(output, dims(g.getOutput(0)));
  }

  /** Per-sample dims (after N) of a graph input or output. */
  private static long[] dims(ValueInfoProto v) {
    List<TensorShapeProto.Dimension> d = v.getType().getTensorType().getShape().getDimList();
    return d.subList(1, d.size()).stream()
        .mapToLong(TensorShapeProto.Dimension::getDimValue)
        .toArray();
  }

  /** Float initializers other than BN running statistics: what torchvision counts as parameters. */
  private static long trainableParameters(ModelProto m) {
    long total = 0;
    for (TensorProto t : m.getGraph().getInitializerList()) {
      boolean stats = t.getName().endsWith(".running_mean") || t.getName().endsWith(".running_var");
      boolean clipBound = t.getName().endsWith(".min") || t.getName().endsWith(".max");
      if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && !stats && !clipBound) {
        total += t.getDimsList().stream().reduce(1L, Math::multiplyExact);
      }
    }
    return total;
  }

  private static NodeProto node(ModelProto m, String opType) {
    return m.getGraph().getNodeList().stream()
        .filter(n -> n.getOpType().equals(opType))
        .findFirst()
        .orElseThrow();
  }

  private static AttributeProto attribute(NodeProto n, String name) {
    return n.getAttributeList().stream()
        .filter(a -> a.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(n.getName() + " has no attribute " + name));
  }

  private static TensorProto initializer(ModelProto m, String name) {
    return m.getGraph().getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  private static float[] floats(TensorProto t) {
    ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static float scalar(ModelProto m, String name) {
    TensorProto t = initializer(m, name);
    assertEquals(0, t.getDimsCount());
    return floats(t)[0];
  }
}
