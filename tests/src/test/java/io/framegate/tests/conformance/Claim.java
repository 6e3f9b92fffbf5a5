package io.framegate.tests.conformance;

import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What the harness reads from a case's model before the engine sees it: the operators it uses, its
 * runtime inputs and outputs, and whether the engine claims it at all.
 *
 * @param opTypes the distinct operator types of the model's nodes, domain-qualified outside the
 *     default domain ({@code ai.onnx.ml:Scaler})
 * @param inputs the graph inputs that are not initializers, in declaration order
 * @param outputs the graph outputs, in declaration order
 * @param reason null when the engine claims the case, else why not
 */
record Claim(Set<String> opTypes, List<Port> inputs, List<Port> outputs, String reason) {

  /** A graph input or output: its name and ONNX element type code (0 when not a tensor). */
  record Port(String name, int elementType) {}

  Claim {
    opTypes = Set.copyOf(opTypes);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  boolean claimed() {
    return reason == null;
  }

  static Claim of(Path modelFile, Predicate<String> supportedOps) {
    ModelProto model;
    try (InputStream in = Files.newInputStream(modelFile)) {
      model = ModelProto.parseFrom(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + modelFile, e);
    }
    return of(model.getGraph(), supportedOps);
  }

  /**
   * The engine claims a model when every node is a default-domain operator it lists and every
   * runtime input and output is a FLOAT or INT64 tensor; the first failing rule is the reason.
   *
   * @param supportedOps tells whether the engine implements a default-domain op type
   */
  static Claim of(GraphProto graph, Predicate<String> supportedOps) {
    Set<String> ops = new TreeSet<>();
    Set<String> unsupported = new TreeSet<>();
    for (NodeProto node : graph.getNodeList()) {
      String domain = node.getDomain();
      boolean defaultDomain = domain.isEmpty() || domain.equals("ai.onnx");
      String op = defaultDomain ? node.getOpType() : domain + ":" + node.getOpType();
      ops.add(op);
      if (!defaultDomain || !supportedOps.test(node.getOpType())) {
        unsupported.add(op);
      }
    }
    Set<String> initializers = new HashSet<>();
    for (TensorProto init : graph.getInitializerList()) {
      initializers.add(init.getName());
    }
    List<Port> inputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getInputList()) {
      // older models list initializers among the inputs; test data covers only the others
      if (!initializers.contains(v.getName())) {
        inputs.add(port(v));
      }
    }
    List<Port> outputs = graph.getOutputList().stream().map(Claim::port).toList();

    String reason = null;
    if (!unsupported.isEmpty()) {
      reason = "unsupported op " + String.join(", ", unsupported);
    } else {
      reason = typeReason("input", inputs);
      if (reason == null) {
        reason = typeReason("output", outputs);
      }
    }
    return new Claim(ops, inputs, outputs, reason);
  }

  private static Port port(ValueInfoProto v) {
    boolean tensor = v.hasType() && v.getType().hasTensorType();
    return new Port(v.getName(), tensor ? v.getType().getTensorType().getElemType() : 0);
  }

  private static String typeReason(String role, List<Port> ports) {
    for (Port p : ports) {
      if (p.elementType() == 0) {
        return "unsupported " + role + " type: not a tensor (sequence, map or optional)";
      }
      if (p.elementType() != TensorProto.DataType.FLOAT_VALUE
          && p.elementType() != TensorProto.DataType.INT64_VALUE) {
        return "unsupported " + role + " dtype " + TensorProtos.typeName(p.elementType());
      }
    }
    return null;
  }
}
