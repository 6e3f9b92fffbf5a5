package io.framegate.tests.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.TypeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ClaimTest {
  private static final Predicate<String> SUPPORTED = Set.of("Relu", "Add")::contains;

  @Test
  void claimsSupportedOpsOnFloatAndInt64Tensors() {
    GraphProto g =
        graph(node("Relu", ""), node("Add", "ai.onnx"))
            .addInput(tensor("x", TensorProto.DataType.FLOAT_VALUE))
            .addInput(tensor("w", TensorProto.DataType.FLOAT_VALUE))
            .addInput(tensor("shape", TensorProto.DataType.INT64_VALUE))
            .addInitializer(TensorProto.newBuilder().setName("w"))
            .addOutput(tensor("y", TensorProto.DataType.FLOAT_VALUE))
            .build();
    Claim c = Claim.of(g, SUPPORTED);
    assertNull(c.reason());
    assertEquals(Set.of("Relu", "Add"), c.opTypes());
    // the initializer listed as an input is not a runtime input
    assertEquals(List.of("x", "shape"), c.inputs().stream().map(Claim.Port::name).toList());
  }

  @Test
  void namesTheFirstReasonNotToClaim() {
    GraphProto.Builder floats =
        GraphProto.newBuilder()
            .addInput(tensor("x", TensorProto.DataType.FLOAT_VALUE))
            .addOutput(tensor("y", TensorProto.DataType.FLOAT_VALUE));
    assertEquals(
        "unsupported op Erf, com.example:Relu",
        Claim.of(
                floats
                    .clone()
                    .addNode(node("Erf", ""))
                    .addNode(node("Relu", "com.example"))
                    .build(),
                SUPPORTED)
            .reason());
    assertEquals(
        "unsupported input dtype DOUBLE",
        Claim.of(
                graph(node("Relu", ""))
                    .addInput(tensor("x", TensorProto.DataType.DOUBLE_VALUE))
                    .addOutput(tensor("y", TensorProto.DataType.DOUBLE_VALUE))
                    .build(),
                SUPPORTED)
            .reason());
    assertEquals(
        "unsupported output dtype BOOL",
        Claim.of(
                floats
                    .clone()
                    .setOutput(0, tensor("y", TensorProto.DataType.BOOL_VALUE))
                    .addNode(node("Relu", ""))
                    .build(),
                SUPPORTED)
            .reason());
    assertEquals(
        "unsupported input type: not a tensor (sequence, map or optional)",
        Claim.of(
                floats
                    .clone()
                    .setInput(0, ValueInfoProto.newBuilder().setName("seq"))
                    .addNode(node("Relu", ""))
                    .build(),
                SUPPORTED)
            .reason());
  }

  private static GraphProto.Builder graph(NodeProto... nodes) {
    return GraphProto.newBuilder().addAllNode(List.of(nodes));
  }

  private static NodeProto node(String op, String domain) {
    return NodeProto.newBuilder().setOpType(op).setDomain(domain).build();
  }

  private static ValueInfoProto tensor(String name, int elemType) {
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType)))
        .build();
  }
}
