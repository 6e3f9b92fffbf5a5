package io.framegate.accelerator.tornado;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.AttributeProto;
import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.OperatorSetIdProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.TypeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conformance-style models of one or two nodes, each run on the first TornadoVM device and on the
 * JVM reference with the same seeded input: every kernel, with odd sizes, strides, pads, groups,
 * broadcasting and views, must agree within {@link DeviceComparison#RTOL}.
 */
class TornadoOperatorTest {
  private static Backend device;

  @BeforeAll
  static void findDevice() {
    var d = Backends.discover();
    assertFalse(d.devices().isEmpty(), "no TornadoVM device: " + d.notes());
    device = d.devices().get(0);
  }

  /** A named model. */
  record Case(String name, ModelProto model) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A tiny ONNX writer for single-node models with fixed input shapes. */
  static final class M {
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("op");
    private final Random random;
    private int outputs;

    M(long seed) {
      random = new Random(seed);
    }

    M input(String name, int... dims) {
      g.addInput(info(name, dims));
      return this;
    }

    /** A seeded random float initializer in [lo, hi). */
    M weight(String name, float lo, float hi, int... dims) {
      int n = 1;
      for (int d : dims) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = lo + random.nextFloat() * (hi - lo);
      }
      ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      g.addInitializer(
          tensor(name, TensorProto.DataType.FLOAT_VALUE, dims).setRawData(ByteString.copyFrom(b)));
      return this;
    }

    M longs(String name, long... v) {
      ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(v);
      g.addInitializer(
          tensor(name, TensorProto.DataType.INT64_VALUE, v.length)
              .setRawData(ByteString.copyFrom(b)));
      return this;
    }

    M node(String op, List<String> in, String out, AttributeProto... attrs) {
      g.addNode(
          NodeProto.newBuilder()
              .setName(op + "_" + g.getNodeCount())
              .setOpType(op)
              .addAllInput(in)
              .addOutput(out)
              .addAllAttribute(List.of(attrs)));
      return this;
    }

    M output(String name) {
      outputs++;
      g.addOutput(
          ValueInfoProto.newBuilder()
              .setName(name)
              .setType(
                  TypeProto.newBuilder()
                      .setTensorType(
                          TypeProto.Tensor.newBuilder()
                              .setElemType(TensorProto.DataType.FLOAT_VALUE))));
      return this;
    }

    ModelProto build() {
      if (outputs == 0) {
        output("y");
      }
      return ModelProto.newBuilder()
          .setIrVersion(7)
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
          .setGraph(g)
          .build();
    }

    private static TensorProto.Builder tensor(String name, int type, int... dims) {
      TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
      for (int d : dims) {
        t.addDims(d);
      }
      return t;
    }

    private static ValueInfoProto info(String name, int... dims) {
      TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
      for (int d : dims) {
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
      }
      return ValueInfoProto.newBuilder()
          .setName(name)
          .setType(
              TypeProto.newBuilder()
                  .setTensorType(
                      TypeProto.Tensor.newBuilder()
                          .setElemType(TensorProto.DataType.FLOAT_VALUE)
                          .setShape(s)))
          .build();
    }
  }

  static AttributeProto ints(String name, long... v) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  static AttributeProto i(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  static AttributeProto f(String name, float v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  static AttributeProto s(String name, String v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(v))
        .build();
  }

  private static void add(List<Case> cases, String name, long seed, Consumer<M> body) {
    M m = new M(seed);
    body.accept(m);
    cases.add(new Case(name, m.build()));
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    add(
        c,
        "conv 3x3 pad 1 bias",
        1,
        m ->
            m.input("x", 2, 3, 7, 9)
                .weight("w", -0.5f, 0.5f, 5, 3, 3, 3)
                .weight("b", -0.1f, 0.1f, 5)
                .node("Conv", List.of("x", "w", "b"), "y", ints("pads", 1, 1, 1, 1)));
    add(
        c,
        "conv stride 2 dilation 2 asymmetric pads",
        2,
        m ->
            m.input("x", 1, 4, 11, 10)
                .weight("w", -0.5f, 0.5f, 6, 4, 3, 2)
                .node(
                    "Conv",
                    List.of("x", "w"),
                    "y",
                    ints("strides", 2, 2),
                    ints("dilations", 2, 2),
                    ints("pads", 1, 0, 2, 1)));
    add(
        c,
        "conv depthwise",
        3,
        m ->
            m.input("x", 1, 4, 9, 9)
                .weight("w", -0.5f, 0.5f, 4, 1, 3, 3)
                .node("Conv", List.of("x", "w"), "y", i("group", 4), ints("pads", 1, 1, 1, 1)));
    add(
        c,
        "conv groups 2 SAME_UPPER stride 2",
        4,
        m ->
            m.input("x", 1, 6, 8, 7)
                .weight("w", -0.5f, 0.5f, 4, 3, 3, 3)
                .node(
                    "Conv",
                    List.of("x", "w"),
                    "y",
                    i("group", 2),
                    ints("strides", 2, 2),
                    s("auto_pad", "SAME_UPPER")));
    add(
        c,
        "conv 1-D",
        5,
        m ->
            m.input("x", 2, 3, 17)
                .weight("w", -0.5f, 0.5f, 4, 3, 5)
                .node("Conv", List.of("x", "w"), "y", ints("strides", 2)));
    add(
        c,
        "conv 3-D",
        6,
        m ->
            m.input("x", 1, 2, 5, 6, 7)
                .weight("w", -0.5f, 0.5f, 3, 2, 3, 3, 3)
                .node("Conv", List.of("x", "w"), "y", ints("pads", 1, 1, 1, 1, 1, 1)));
    add(
        c,
        "conv + residual add + relu (fused)",
        7,
        m ->
            m.input("x", 1, 3, 6, 5)
                .weight("w", -0.5f, 0.5f, 3, 3, 3, 3)
                .weight("b", -0.1f, 0.1f, 3)
                .node("Conv", List.of("x", "w", "b"), "c", ints("pads", 1, 1, 1, 1))
                .node("Add", List.of("c", "x"), "s")
                .node("Relu", List.of("s"), "y"));
    add(
        c,
        "maxpool 3x3 stride 2 pad 1 ceil",
        8,
        m ->
            m.input("x", 1, 3, 10, 11)
                .node(
                    "MaxPool",
                    List.of("x"),
                    "y",
                    ints("kernel_shape", 3, 3),
                    ints("strides", 2, 2),
                    ints("pads", 1, 1, 1, 1),
                    i("ceil_mode", 1)));
    add(
        c,
        "avgpool count_include_pad",
        9,
        m ->
            m.input("x", 2, 3, 9, 8)
                .node(
                    "AveragePool",
                    List.of("x"),
                    "y",
                    ints("kernel_shape", 3, 2),
                    ints("pads", 1, 1, 1, 0),
                    i("count_include_pad", 1)));
    add(
        c,
        "avgpool excluding pads, stride 2",
        10,
        m ->
            m.input("x", 1, 2, 7, 9)
                .node(
                    "AveragePool",
                    List.of("x"),
                    "y",
                    ints("kernel_shape", 3, 3),
                    ints("strides", 2, 2),
                    ints("pads", 1, 1, 1, 1)));
    add(
        c,
        "global average pool",
        11,
        m -> m.input("x", 2, 5, 7, 3).node("GlobalAveragePool", List.of("x"), "y"));
    add(
        c,
        "global max pool",
        12,
        m -> m.input("x", 2, 5, 7, 3).node("GlobalMaxPool", List.of("x"), "y"));
    String[] unary = {
      "Relu",
      "Sigmoid",
      "Tanh",
      "Elu",
      "Softplus",
      "Softsign",
      "Exp",
      "Neg",
      "Abs",
      "Sqrt",
      "Reciprocal"
    };
    for (String op : unary) {
      add(c, op, 13, m -> m.input("x", 3, 5, 7).node(op, List.of("x"), "y"));
    }
    add(
        c,
        "LeakyRelu",
        14,
        m -> m.input("x", 3, 5, 7).node("LeakyRelu", List.of("x"), "y", f("alpha", 0.13f)));
    add(
        c,
        "HardSigmoid",
        15,
        m ->
            m.input("x", 3, 5, 7)
                .node("HardSigmoid", List.of("x"), "y", f("alpha", 0.3f), f("beta", 0.4f)));
    add(
        c,
        "Clip with constant bounds",
        16,
        m ->
            m.input("x", 3, 5, 7)
                .weight("lo", -0.3f, -0.29f)
                .weight("hi", 0.5f, 0.51f)
                .node("Clip", List.of("x", "lo", "hi"), "y"));
    add(
        c,
        "Clip with bounds given at run time",
        161,
        m ->
            m.input("x", 3, 5, 7)
                .input("lo")
                .input("hi")
                .node("Clip", List.of("x", "lo", "hi"), "y"));
    add(
        c,
        "Clip with a run-time min and no max",
        162,
        m -> m.input("x", 3, 5, 7).input("lo").node("Clip", List.of("x", "lo"), "y"));
    String[] binary = {"Add", "Sub", "Mul", "Div"};
    for (String op : binary) {
      add(
          c,
          op + " broadcast",
          17,
          m ->
              m.input("x", 2, 3, 4, 5)
                  .weight("b", 0.5f, 1.5f, 3, 1, 5)
                  .node(op, List.of("x", "b"), "y"));
    }
    add(
        c,
        "Pow positive base",
        18,
        m ->
            m.input("x", 2, 3, 5)
                .weight("e", -1.5f, 2.5f, 5)
                .node("Abs", List.of("x"), "a")
                .node("Pow", List.of("a", "e"), "y"));
    add(
        c,
        "PRelu per channel",
        19,
        m ->
            m.input("x", 2, 3, 4, 5)
                .weight("s", 0.05f, 0.3f, 3, 1, 1)
                .node("PRelu", List.of("x", "s"), "y"));
    add(
        c,
        "BatchNormalization standalone",
        20,
        m ->
            m.input("x", 2, 3, 5, 4)
                .weight("g", 0.5f, 1.5f, 3)
                .weight("b", -0.5f, 0.5f, 3)
                .weight("mu", -0.2f, 0.2f, 3)
                .weight("var", 0.5f, 2f, 3)
                .node("BatchNormalization", List.of("x", "g", "b", "mu", "var"), "y"));
    add(
        c,
        "Gemm transB with row bias",
        21,
        m ->
            m.input("a", 3, 7)
                .weight("b", -1f, 1f, 5, 7)
                .weight("c", -1f, 1f, 5)
                .node("Gemm", List.of("a", "b", "c"), "y", i("transB", 1)));
    add(
        c,
        "Gemm transA alpha beta",
        22,
        m ->
            m.input("a", 7, 3)
                .weight("b", -1f, 1f, 7, 5)
                .weight("c", -1f, 1f, 3, 5)
                .node(
                    "Gemm",
                    List.of("a", "b", "c"),
                    "y",
                    i("transA", 1),
                    f("alpha", 0.7f),
                    f("beta", 1.3f)));
    add(
        c,
        "Gemm transA transB alpha beta with a row of C",
        221,
        m ->
            m.input("a", 4, 3)
                .weight("b", -1f, 1f, 5, 4)
                .weight("c", -1f, 1f, 1, 5)
                .node(
                    "Gemm",
                    List.of("a", "b", "c"),
                    "y",
                    i("transA", 1),
                    i("transB", 1),
                    f("alpha", 0.25f),
                    f("beta", 0.35f)));
    add(
        c,
        "Gemm without C",
        222,
        m ->
            m.input("a", 3, 6)
                .weight("b", -1f, 1f, 6, 5)
                .node("Gemm", List.of("a", "b"), "y", f("alpha", 2f)));
    add(
        c,
        "MatMul batched broadcast",
        23,
        m ->
            m.input("a", 2, 3, 4, 5)
                .weight("b", -1f, 1f, 5, 6)
                .node("MatMul", List.of("a", "b"), "y"));
    add(
        c,
        "Softmax last axis",
        24,
        m -> m.input("x", 3, 4, 7).node("Softmax", List.of("x"), "y", i("axis", -1)));
    add(
        c,
        "LogSoftmax middle axis",
        25,
        m -> m.input("x", 2, 5, 3).node("LogSoftmax", List.of("x"), "y", i("axis", 1)));
    add(
        c,
        "Hardmax",
        26,
        m -> m.input("x", 2, 5, 3).node("Hardmax", List.of("x"), "y", i("axis", 1)));
    add(
        c,
        "Transpose",
        27,
        m ->
            m.input("x", 2, 3, 4, 5)
                .node("Transpose", List.of("x"), "y", ints("perm", 0, 2, 3, 1)));
    add(
        c,
        "Slice with negative step",
        28,
        m ->
            m.input("x", 3, 8, 9)
                .longs("starts", 1, 7)
                .longs("ends", 3, 0)
                .longs("axes", 0, 2)
                .longs("steps", 1, -2)
                .node("Slice", List.of("x", "starts", "ends", "axes", "steps"), "y"));
    for (String mode : new String[] {"constant", "reflect", "edge"}) {
      add(
          c,
          "Pad " + mode,
          29,
          m ->
              m.input("x", 1, 2, 4, 5)
                  .longs("pads", 0, 0, 1, 2, 0, 0, 2, 1)
                  .node("Pad", List.of("x", "pads"), "y", s("mode", mode)));
    }
    add(
        c,
        "Pad constant with the value given at run time",
        291,
        m ->
            m.input("x", 1, 2, 4, 5)
                .input("value")
                .longs("pads", 0, 0, 1, 2, 0, 0, 2, 1)
                .node("Pad", List.of("x", "pads", "value"), "y", s("mode", "constant")));
    add(
        c,
        "Reshape alone (no kernel: the output is the input's buffer)",
        292,
        m ->
            m.input("x", 2, 3, 4).longs("shape", 4, 6).node("Reshape", List.of("x", "shape"), "y"));
    add(
        c,
        "Concat of three along channels",
        30,
        m ->
            m.input("a", 1, 2, 3, 5)
                .input("b", 1, 3, 3, 5)
                .weight("k", -1f, 1f, 1, 1, 3, 5)
                .node("Concat", List.of("a", "b", "k"), "y", i("axis", 1)));
    add(
        c,
        "Gather axis 1",
        31,
        m ->
            m.input("x", 2, 5, 3)
                .longs("idx", 4, 0, 4)
                .node("Gather", List.of("x", "idx"), "y", i("axis", 1)));
    add(
        c,
        "Flatten view between kernels",
        32,
        m ->
            m.input("x", 2, 3, 4, 5)
                .node("Relu", List.of("x"), "r")
                .node("Flatten", List.of("r"), "f", i("axis", 1))
                .node("Softmax", List.of("f"), "y", i("axis", 1)));
    add(
        c,
        "two outputs, one a view",
        33,
        m ->
            m.input("x", 2, 3, 5)
                .node("Sigmoid", List.of("x"), "s")
                .node("Flatten", List.of("s"), "y1", i("axis", 1))
                .node("Tanh", List.of("s"), "y2")
                .output("y1")
                .output("y2"));
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void agreesWithTheReference(Case tc) {
    Model model = Model.load(tc.model().toByteArray(), tc.name());
    Graph g = model.specialize(Map.of(), Map.of());
    Map<String, Tensor> feed = DeviceComparison.randomInputs(g, tc.name().hashCode());
    try (ExecutionPlan ref = new ReferenceBackend(1).compile(g);
        ExecutionPlan plan = device.compile(g)) {
      DeviceComparison.assertAgree(ref.run(feed), plan.run(feed), tc.name());
      Map<String, Tensor> feed2 = DeviceComparison.randomInputs(g, 99);
      DeviceComparison.assertAgree(ref.run(feed2), plan.run(feed2), tc.name() + " (2nd input)");
    }
  }

  @Test
  void workGroupSizesFromAProfileGiveTheSameResult() {
    ModelProto m = cases().get(0).model();
    Graph g = Model.load(m.toByteArray(), "conv").specialize(Map.of(), Map.of());
    Map<String, Tensor> feed = DeviceComparison.randomInputs(g, 5);
    TornadoBackend sized =
        ((TornadoBackend) device).withWorkGroupSizes(Map.of("conv", 4, "elementwise", 16));
    try (ExecutionPlan ref = new ReferenceBackend(1).compile(g);
        ExecutionPlan plan = sized.compile(g)) {
      DeviceComparison.assertAgree(ref.run(feed), plan.run(feed), "conv with local size 4");
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> ((TornadoBackend) device).withWorkGroupSizes(Map.of("attention", 8)));
  }

  @Test
  void aClosedPlanRefusesToRunAndClosingTwiceIsHarmless() {
    Graph g =
        Model.load(cases().get(0).model().toByteArray(), "conv").specialize(Map.of(), Map.of());
    Map<String, Tensor> feed = DeviceComparison.randomInputs(g, 11);
    ExecutionPlan plan = device.compile(g);
    plan.run(feed);
    plan.close();
    plan.close();
    assertThrows(IllegalStateException.class, () -> plan.run(feed));
  }

  @Test
  void badInputsAreRejectedBeforeTheDeviceRuns() {
    Graph g =
        Model.load(cases().get(0).model().toByteArray(), "conv").specialize(Map.of(), Map.of());
    try (ExecutionPlan plan = device.compile(g)) {
      InvalidInputException e =
          assertThrows(
              InvalidInputException.class,
              () -> plan.run(Map.of("x", Tensor.of(new float[6], 1, 6))));
      assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }
  }
}
