package io.framegate.accelerator.testing;

import com.google.protobuf.UnsafeByteOperations;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes real ONNX models node by node, the way exporters lay them out: one input with a symbolic
 * batch dimension {@code N}, weights as little-endian {@code raw_data} initializers, and the
 * opset-dependent forms of Clip, Unsqueeze and Dropout.
 *
 * <p>The builder tracks the per-sample shape (everything after {@code N}) of each value it makes,
 * so helpers size their weights from their input and outputs are declared with exact shapes.
 * Weights are seeded random, scaled like He initialisation (uniform within ±√(6/fan_in)) so that
 * activations stay O(1) through deep networks and a relative tolerance stays meaningful.
 */
public final class OnnxModelBuilder {
  /** The batch dimension's name in every input and output. */
  public static final String BATCH = "N";

  public static final int DEFAULT_OPSET = 13;

  private final String name;
  private final int opset;
  private final Random random;
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, int[]> shapes = new HashMap<>();
  private final Map<String, Integer> counters = new HashMap<>();

  public OnnxModelBuilder(String name, int opset, long seed) {
    if (opset < 9 || opset > 21) {
      throw new IllegalArgumentException("opset " + opset + " is outside the supported 9..21");
    }
    this.name = name;
    this.opset = opset;
    this.random = new Random(seed);
    graph.setName(name);
  }

  public OnnxModelBuilder(String name, long seed) {
    this(name, DEFAULT_OPSET, seed);
  }

  public int opset() {
    return opset;
  }

  /** The IR version the ONNX release that introduced {@code opset} wrote. */
  public static int irVersionFor(int opset) {
    if (opset <= 9) {
      return 4;
    } else if (opset == 10) {
      return 5;
    } else if (opset == 11) {
      return 6;
    } else if (opset <= 14) {
      return 7;
    } else if (opset <= 18) {
      return 8;
    } else if (opset <= 20) {
      return 9;
    }
    return 10;
  }

  /** The per-sample shape (without the batch dimension) of a value this builder made. */
  public int[] shapeOf(String value) {
    int[] s = shapes.get(value);
    if (s == null) {
      throw new IllegalArgumentException("no batched value named " + value);
    }
    return s.clone();
  }

  // ---- graph inputs and outputs ----

  /** Declares a float input of shape [N, dims...] and returns its name. */
  public String input(String inputName, int... dims) {
    graph.addInput(valueInfo(inputName, dims));
    shapes.put(inputName, dims.clone());
    return inputName;
  }

  /** Declares {@code value} a graph output of shape [N, its per-sample shape]. */
  public OnnxModelBuilder output(String value) {
    graph.addOutput(valueInfo(value, shapeOf(value)));
    return this;
  }

  /**
   * Renames the value {@code value} (made by the last node that wrote it and read by no node) to
   * {@code outputName} and declares it a graph output, as exporters name outputs.
   */
  public OnnxModelBuilder output(String value, String outputName) {
    int[] shape = shapeOf(value);
    NodeProto.Builder producer = null;
    for (NodeProto.Builder n : graph.getNodeBuilderList()) {
      if (n.getInputList().contains(value)) {
        throw new IllegalArgumentException(value + " is read by " + n.getName());
      }
      if (n.getOutputList().contains(value)) {
        producer = n;
      }
    }
    if (producer == null) {
      throw new IllegalArgumentException(value + " is not made by a node");
    }
    producer.setOutput(producer.getOutputList().indexOf(value), outputName);
    shapes.remove(value);
    shapes.put(outputName, shape);
    return output(outputName);
  }

  // ---- layers ----

  /** Conv with bias, group 1, dilation 1. */
  public String conv(String x, int outChannels, int kernel, int stride, int pad) {
    return conv(x, outChannels, kernel, stride, pad, 1, 1, true);
  }

  /** Conv with square kernel, symmetric padding; weights [M, C/group, k, k], He-scaled. */
  public String conv(
      String x,
      int outChannels,
      int kernel,
      int stride,
      int pad,
      int group,
      int dilation,
      boolean bias) {
    int[] in = requireRank(x, 3, "Conv");
    int c = in[0];
    if (c % group != 0 || outChannels % group != 0) {
      throw new IllegalArgumentException(
          "group " + group + " must divide input " + c + " and output " + outChannels);
    }
    String node = nextName("Conv");
    int fanIn = c / group * kernel * kernel;
    String w =
        floatInit(
            node + ".weight",
            heUniform(outChannels * fanIn, fanIn),
            outChannels,
            c / group,
            kernel,
            kernel);
    List<String> inputs =
        bias
            ? List.of(x, w, floatInit(node + ".bias", uniform(outChannels, 0.1f), outChannels))
            : List.of(x, w);
    int h = convOut(in[1], kernel, stride, pad, dilation);
    int wd = convOut(in[2], kernel, stride, pad, dilation);
    return emit(
        node,
        "Conv",
        inputs,
        new int[] {outChannels, h, wd},
        ints("kernel_shape", kernel, kernel),
        ints("strides", stride, stride),
        ints("pads", pad, pad, pad, pad),
        ints("dilations", dilation, dilation),
        intAttr("group", group));
  }

  public String batchNorm(String x) {
    return batchNorm(x, 1e-5f);
  }

  /** Inference BatchNormalization with random scale, bias, mean and positive variance. */
  public String batchNorm(String x, float epsilon) {
    int[] in = shapeOf(x);
    int c = in[0];
    String node = nextName("BatchNormalization");
    float[] scale = new float[c];
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      scale[i] = 0.8f + 0.4f * random.nextFloat();
      var[i] = 0.5f + random.nextFloat();
    }
    String s = floatInit(node + ".weight", scale, c);
    String b = floatInit(node + ".bias", uniform(c, 0.1f), c);
    String m = floatInit(node + ".running_mean", uniform(c, 0.1f), c);
    String v = floatInit(node + ".running_var", var, c);
    return emit(
        node, "BatchNormalization", List.of(x, s, b, m, v), in, floatAttr("epsilon", epsilon));
  }

  public String relu(String x) {
    return emit(nextName("Relu"), "Relu", List.of(x), shapeOf(x));
  }

  public String tanh(String x) {
    return emit(nextName("Tanh"), "Tanh", List.of(x), shapeOf(x));
  }

  /** Clip: attributes before opset 11, scalar inputs from 11 on. */
  public String clip(String x, float min, float max) {
    String node = nextName("Clip");
    if (opset < 11) {
      return emit(
          node, "Clip", List.of(x), shapeOf(x), floatAttr("min", min), floatAttr("max", max));
    }
    String lo = floatInit(node + ".min", new float[] {min});
    String hi = floatInit(node + ".max", new float[] {max});
    return emit(node, "Clip", List.of(x, lo, hi), shapeOf(x));
  }

  public String maxPool(String x, int kernel, int stride, int pad) {
    return pool("MaxPool", x, kernel, stride, pad);
  }

  /** AveragePool with count_include_pad = 0 (the ONNX default). */
  public String avgPool(String x, int kernel, int stride, int pad) {
    return pool("AveragePool", x, kernel, stride, pad);
  }

  public String globalAvgPool(String x) {
    int[] in = requireRank(x, 3, "GlobalAveragePool");
    return emit(
        nextName("GlobalAveragePool"), "GlobalAveragePool", List.of(x), new int[] {in[0], 1, 1});
  }

  /** Fully connected layer as exporters write it: Gemm(x, W[out,in], b) with transB = 1. */
  public String gemm(String x, int outFeatures) {
    int[] in = requireRank(x, 1, "Gemm");
    String node = nextName("Gemm");
    String w =
        floatInit(node + ".weight", heUniform(outFeatures * in[0], in[0]), outFeatures, in[0]);
    String b = floatInit(node + ".bias", uniform(outFeatures, 0.1f), outFeatures);
    return emit(
        node,
        "Gemm",
        List.of(x, w, b),
        new int[] {outFeatures},
        floatAttr("alpha", 1f),
        floatAttr("beta", 1f),
        intAttr("transB", 1));
  }

  /** Flatten(axis = 1): [N, ...] to [N, product]. */
  public String flatten(String x) {
    return emit(
        nextName("Flatten"),
        "Flatten",
        List.of(x),
        new int[] {product(shapeOf(x))},
        intAttr("axis", 1));
  }

  /**
   * {@code x.view(x.size(0), -1)} as PyTorch exports it: Shape → Gather(0) → Unsqueeze → Concat
   * with [-1] → Reshape, so the batch size flows through the graph at run time.
   */
  public String viewFlatten(String x) {
    int[] in = shapeOf(x);
    String shape = emit(nextName("Shape"), "Shape", List.of(x), null);
    String gatherNode = nextName("Gather");
    String index = longInit(gatherNode + ".indices", new long[] {0});
    String batch = emit(gatherNode, "Gather", List.of(shape, index), null, intAttr("axis", 0));
    String unsqueezeNode = nextName("Unsqueeze");
    String batch1d =
        opset < 13
            ? emit(unsqueezeNode, "Unsqueeze", List.of(batch), null, ints("axes", 0))
            : emit(
                unsqueezeNode,
                "Unsqueeze",
                List.of(batch, longInit(unsqueezeNode + ".axes", new long[] {0}, 1)),
                null);
    String concatNode = nextName("Concat");
    String minusOne = longInit(concatNode + ".rest", new long[] {-1}, 1);
    String target =
        emit(concatNode, "Concat", List.of(batch1d, minusOne), null, intAttr("axis", 0));
    return emit(nextName("Reshape"), "Reshape", List.of(x, target), new int[] {product(in)});
  }

  public String add(String a, String b) {
    int[] sa = shapeOf(a);
    if (!Arrays.equals(sa, shapeOf(b))) {
      throw new IllegalArgumentException(
          "Add of " + Arrays.toString(sa) + " and " + Arrays.toString(shapeOf(b)));
    }
    return emit(nextName("Add"), "Add", List.of(a, b), sa);
  }

  /** Concat along channels (axis 1). */
  public String concat(String... xs) {
    return concat(1, xs);
  }

  /**
   * Concat along {@code axis} of the whole [N, ...] tensor: 1 or more, or negative to count from
   * the end (the batch axis is not joined here, as every value's first dimension is N).
   */
  public String concat(int axis, String... xs) {
    int[] out = shapeOf(xs[0]);
    int joined = axis < 0 ? axis + out.length : axis - 1; // in the per-sample shape
    if (joined < 0 || joined >= out.length) {
      throw new IllegalArgumentException("Concat axis " + axis + " of rank " + (out.length + 1));
    }
    for (int i = 1; i < xs.length; i++) {
      int[] s = shapeOf(xs[i]);
      boolean fits = s.length == out.length;
      for (int d = 0; fits && d < s.length; d++) {
        fits = d == joined || s[d] == out[d];
      }
      if (!fits) {
        throw new IllegalArgumentException(
            "Concat of " + Arrays.toString(out) + " and " + Arrays.toString(s));
      }
      out[joined] += s[joined];
    }
    return emit(nextName("Concat"), "Concat", List.of(xs), out, intAttr("axis", axis));
  }

  /** Softmax over axis 1 of an [N, K] value (the same meaning before and after opset 13). */
  public String softmax(String x) {
    requireRank(x, 1, "Softmax");
    return emit(nextName("Softmax"), "Softmax", List.of(x), shapeOf(x), intAttr("axis", 1));
  }

  /** Dropout with its default ratio: an identity at inference. */
  public String dropout(String x) {
    return emit(nextName("Dropout"), "Dropout", List.of(x), shapeOf(x));
  }

  // ---- output ----

  public ModelProto toModelProto() {
    return ModelProto.newBuilder()
        .setIrVersion(irVersionFor(opset))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setProducerName("framegate-tests")
        .setModelVersion(1)
        .setGraph(graph.build())
        .build();
  }

  public byte[] toBytes() {
    return toModelProto().toByteArray();
  }

  // ---- internals ----

  private String pool(String op, String x, int kernel, int stride, int pad) {
    int[] in = requireRank(x, 3, op);
    int h = convOut(in[1], kernel, stride, pad, 1);
    int w = convOut(in[2], kernel, stride, pad, 1);
    return emit(
        nextName(op),
        op,
        List.of(x),
        new int[] {in[0], h, w},
        ints("kernel_shape", kernel, kernel),
        ints("strides", stride, stride),
        ints("pads", pad, pad, pad, pad));
  }

  // Output size ⌊(J + 2P − D(K−1) − 1) / S⌋ + 1.
  private static int convOut(int in, int kernel, int stride, int pad, int dilation) {
    int out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
    if (out <= 0) {
      throw new IllegalArgumentException(
          "window " + kernel + " (dilation " + dilation + ") does not fit input " + in);
    }
    return out;
  }

  /** Adds a node with one output named after the node; records the output's per-sample shape. */
  private String emit(
      String node, String op, List<String> inputs, int[] outShape, AttributeProto... attrs) {
    for (String in : inputs) {
      if (in.isEmpty()) {
        throw new IllegalArgumentException(node + " has an unnamed input");
      }
    }
    String out = node + "_out";
    graph.addNode(
        NodeProto.newBuilder()
            .setName(node)
            .setOpType(op)
            .addAllInput(inputs)
            .addOutput(out)
            .addAllAttribute(List.of(attrs)));
    if (outShape != null) {
      shapes.put(out, outShape);
    }
    return out;
  }

  private String nextName(String op) {
    int n = counters.merge(op, 1, Integer::sum) - 1;
    return op + "_" + n;
  }

  private int[] requireRank(String x, int rank, String op) {
    int[] s = shapeOf(x);
    if (s.length != rank) {
      throw new IllegalArgumentException(
          op
              + " needs a rank-"
              + (rank + 1)
              + " input, "
              + x
              + " has per-sample shape "
              + Arrays.toString(s));
    }
    return s;
  }

  private float[] heUniform(int n, int fanIn) {
    return uniform(n, (float) Math.sqrt(6.0 / fanIn));
  }

  private float[] uniform(int n, float bound) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (2f * random.nextFloat() - 1f) * bound;
    }
    return a;
  }

  private String floatInit(String initName, float[] data, int... dims) {
    if (product(dims) != data.length) {
      throw new IllegalArgumentException(initName + ": dims do not match data");
    }
    ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    graph.addInitializer(tensor(initName, TensorProto.DataType.FLOAT, dims, bytes));
    return initName;
  }

  private String longInit(String initName, long[] data, int... dims) {
    ByteBuffer bytes = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(data);
    graph.addInitializer(tensor(initName, TensorProto.DataType.INT64, dims, bytes));
    return initName;
  }

  private static TensorProto tensor(
      String tensorName, TensorProto.DataType type, int[] dims, ByteBuffer bytes) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(tensorName)
            .setDataType(type.getNumber())
            // Wrapping avoids a second copy of large weight arrays; the buffer is never touched
            // again.
            .setRawData(UnsafeByteOperations.unsafeWrap(bytes.array()));
    for (int d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private static ValueInfoProto valueInfo(String valueName, int[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(valueName)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)))
        .build();
  }

  private static AttributeProto intAttr(String attr, long v) {
    return AttributeProto.newBuilder()
        .setName(attr)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  private static AttributeProto floatAttr(String attr, float v) {
    return AttributeProto.newBuilder()
        .setName(attr)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  private static AttributeProto ints(String attr, long... v) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(attr).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  private static int product(int[] dims) {
    int p = 1;
    for (int d : dims) {
      p = Math.multiplyExact(p, d);
    }
    return p;
  }
}
