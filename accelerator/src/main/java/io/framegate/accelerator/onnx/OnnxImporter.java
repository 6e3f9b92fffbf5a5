package io.framegate.accelerator.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Attributes;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.AttributeProto;
import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.OperatorSetIdProto;
import io.framegate.proto.onnx.StringStringEntryProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX ModelProto into a {@link Graph}: initializers and Constant nodes become constants,
 * attributes are decoded, and every node is checked against the operators the engine supports, so
 * that an unsupported model fails at load with the op type, node name and opset.
 */
public final class OnnxImporter {
  /** The opsets whose operator semantics the engine implements. */
  public static final int MIN_OPSET = 1;

  public static final int MAX_OPSET = 21;

  private OnnxImporter() {}

  public static Graph read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidModelException("model file not found: " + file);
    } catch (IOException e) {
      throw new InvalidModelException("cannot read model file " + file + ": " + e.getMessage(), e);
    }
    return read(bytes, file.toString());
  }

  public static Graph read(byte[] bytes, String source) {
    ModelProto model;
    try {
      model = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidModelException(
          source + " is not an ONNX model (truncated or not protobuf): " + e.getMessage(), e);
    }
    if (!model.hasGraph()
        || model.getGraph().getNodeCount() == 0 && model.getGraph().getOutputCount() == 0) {
      throw new InvalidModelException(source + " is not an ONNX model: it has no graph");
    }
    int opset = defaultOpset(model, source);
    Map<String, String> metadata = new LinkedHashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      metadata.put(e.getKey(), e.getValue());
    }
    return readGraph(model.getGraph(), opset, metadata, source);
  }

  private static int defaultOpset(ModelProto model, String source) {
    int opset = -1;
    for (OperatorSetIdProto id : model.getOpsetImportList()) {
      if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
        opset = (int) id.getVersion();
      }
    }
    if (opset < 0) {
      // IR version 1/2 models predate opset_import and bind to opset 1; we do not run those.
      throw new InvalidModelException(source + " declares no default-domain opset");
    }
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new InvalidModelException(
          "unsupported opset "
              + opset
              + " in "
              + source
              + " (supported: "
              + MIN_OPSET
              + " to "
              + MAX_OPSET
              + ")");
    }
    return opset;
  }

  private static Graph readGraph(
      GraphProto g, int opset, Map<String, String> metadata, String source) {
    Map<String, Tensor> constants = new LinkedHashMap<>();
    for (var init : g.getInitializerList()) {
      constants.put(init.getName(), TensorDecoder.decode(init, init.getName()));
    }
    Map<String, ValueInfo> values = new LinkedHashMap<>();
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfoProto vi : g.getInputList()) {
      if (constants.containsKey(vi.getName())) {
        continue; // an initializer listed as input (IR < 4) is a constant here
      }
      ValueInfo info = valueInfo(vi, "input");
      inputs.add(info);
      values.put(info.name(), info);
    }
    for (var e : constants.entrySet()) {
      values.put(
          e.getKey(), new ValueInfo(e.getKey(), e.getValue().type(), e.getValue().shape(), null));
    }
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfoProto vi : g.getOutputList()) {
      outputs.add(valueInfo(vi, "output"));
    }
    List<Node> nodes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int index = 0;
    for (NodeProto np : g.getNodeList()) {
      String name = np.getName().isEmpty() ? np.getOpType() + "_" + index : np.getName();
      index++;
      if (!names.add(name)) {
        name = name + "_" + index;
        names.add(name);
      }
      String domain = np.getDomain();
      if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
        throw new InvalidModelException(
            "unsupported operator "
                + domain
                + "."
                + np.getOpType()
                + " (node '"
                + name
                + "'): only the default ONNX domain is supported");
      }
      if (!Operators.supported().contains(np.getOpType())) {
        throw new InvalidModelException(
            "unsupported operator "
                + np.getOpType()
                + " (node '"
                + name
                + "', opset "
                + opset
                + "); see 'framegate ops' for the supported ones");
      }
      Attributes attrs = attributes(np, name);
      if (np.getOpType().equals("Constant")) {
        constants.put(np.getOutput(0), constantValue(attrs, name));
        Tensor t = constants.get(np.getOutput(0));
        values.put(np.getOutput(0), new ValueInfo(np.getOutput(0), t.type(), t.shape(), null));
        continue;
      }
      nodes.add(new Node(name, np.getOpType(), "", np.getInputList(), np.getOutputList(), attrs));
    }
    String graphName = g.getName().isEmpty() ? source : g.getName();
    return new Graph(graphName, opset, inputs, outputs, constants, nodes, values, metadata);
  }

  private static Tensor constantValue(Attributes attrs, String node) {
    if (attrs.getTensor("value") != null) {
      return attrs.getTensor("value");
    }
    if (attrs.has("value_float")) {
      return Tensor.of(new float[] {attrs.getFloat("value_float", 0)});
    }
    if (attrs.has("value_floats")) {
      float[] f = attrs.getFloats("value_floats", null);
      return Tensor.of(f, f.length);
    }
    if (attrs.has("value_int")) {
      return Tensor.ofLongs(new long[] {attrs.getInt("value_int", 0)});
    }
    if (attrs.has("value_ints")) {
      long[] v = attrs.getInts("value_ints", null);
      return Tensor.ofLongs(v, v.length);
    }
    throw new InvalidModelException(
        "unsupported Constant '"
            + node
            + "': only tensor, float(s) and int(s) values are supported");
  }

  private static ValueInfo valueInfo(ValueInfoProto vi, String role) {
    if (!vi.hasType() || !vi.getType().hasTensorType()) {
      throw new InvalidModelException(
          "unsupported graph " + role + " '" + vi.getName() + "': only tensors are supported");
    }
    var tt = vi.getType().getTensorType();
    DataType type = TensorDecoder.valueType(tt.getElemType(), role + " '" + vi.getName() + "'");
    if (!tt.hasShape()) {
      // rank unknown: only possible for outputs, whose shape we infer
      return new ValueInfo(vi.getName(), type, new int[0], null);
    }
    int rank = tt.getShape().getDimCount();
    int[] shape = new int[rank];
    List<String> dimNames = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      TensorShapeProto.Dimension d = tt.getShape().getDim(i);
      if (d.hasDimValue() && d.getDimValue() >= 0) {
        shape[i] = (int) d.getDimValue();
        dimNames.add(null);
      } else {
        shape[i] = -1;
        dimNames.add(d.hasDimParam() ? d.getDimParam() : "?");
      }
    }
    return new ValueInfo(vi.getName(), type, shape, dimNames);
  }

  private static Attributes attributes(NodeProto np, String node) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (AttributeProto a : np.getAttributeList()) {
      map.put(a.getName(), attributeValue(a, np.getOpType(), node));
    }
    return new Attributes(map);
  }

  private static Object attributeValue(AttributeProto a, String opType, String node) {
    AttributeProto.AttributeType type = a.getType();
    if (type == AttributeProto.AttributeType.UNDEFINED) {
      // IR version 1 models carry no type: infer it from the field that is set
      type = inferType(a);
    }
    return switch (type) {
      case FLOAT -> a.getF();
      case INT -> a.getI();
      case STRING -> a.getS().toStringUtf8();
      case FLOATS -> {
        float[] f = new float[a.getFloatsCount()];
        for (int i = 0; i < f.length; i++) {
          f[i] = a.getFloats(i);
        }
        yield f;
      }
      case INTS -> {
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = a.getInts(i);
        }
        yield v;
      }
      case STRINGS -> a.getStringsList().stream().map(s -> s.toStringUtf8()).toList();
      case TENSOR -> TensorDecoder.decode(a.getT(), node + "." + a.getName());
      default ->
          throw new InvalidModelException(
              "unsupported attribute '"
                  + a.getName()
                  + "' of type "
                  + type
                  + " on "
                  + opType
                  + " '"
                  + node
                  + "'");
    };
  }

  private static AttributeProto.AttributeType inferType(AttributeProto a) {
    if (a.hasF()) {
      return AttributeProto.AttributeType.FLOAT;
    }
    if (a.hasI()) {
      return AttributeProto.AttributeType.INT;
    }
    if (a.hasS()) {
      return AttributeProto.AttributeType.STRING;
    }
    if (a.hasT()) {
      return AttributeProto.AttributeType.TENSOR;
    }
    if (a.getFloatsCount() > 0) {
      return AttributeProto.AttributeType.FLOATS;
    }
    if (a.getIntsCount() > 0) {
      return AttributeProto.AttributeType.INTS;
    }
    if (a.getStringsCount() > 0) {
      return AttributeProto.AttributeType.STRINGS;
    }
    return AttributeProto.AttributeType.UNDEFINED;
  }
}
