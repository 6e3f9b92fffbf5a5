package io.framegate.accelerator.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImporterTest {

  @Test
  void readsInputsWithSymbolicBatchAndInitializersAsConstants() {
    Graph g = Model.load(Architectures.lenet5(), "lenet5").graph();
    assertEquals(1, g.inputs().size());
    int[] shape = g.inputs().get(0).shape();
    assertEquals(-1, shape[0], "the batch dimension stays symbolic until a plan is built");
    assertEquals(OnnxModelBuilder.BATCH, g.inputs().get(0).dimNames().get(0));
    assertTrue(g.constants().size() >= 10, "weights are constants: " + g.constants().keySet());
    assertTrue(g.nodes().stream().anyMatch(n -> n.opType().equals("Conv")));
  }

  @Test
  void garbageIsNotAModel() {
    byte[] garbage = "definitely not protobuf \u0000\u0001\u0002".getBytes();
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> Model.load(garbage, "junk.onnx"));
    assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
    assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
  }

  @Test
  void truncatedModelGivesAClearError() {
    byte[] whole = Architectures.resnet50Bottleneck();
    byte[] cut = Arrays.copyOf(whole, whole.length / 2);
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> Model.load(cut, "cut.onnx"));
    assertTrue(e.getMessage().startsWith("cut.onnx"), e.getMessage());
  }

  @Test
  void missingFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.onnx");
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(missing));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
    assertTrue(e.getMessage().contains("nope.onnx"), e.getMessage());
  }

  @Test
  void unsupportedOperatorNamesOpNodeAndOpset(@TempDir Path dir) throws Exception {
    ModelProto.Builder m = Architectures.lenet5Model().toBuilder();
    NodeProto.Builder first = m.getGraphBuilder().getNodeBuilder(0);
    first.setOpType("LRN").setName("norm1");
    Path file = dir.resolve("lrn.onnx");
    Files.write(file, m.build().toByteArray());
    InvalidModelException e = assertThrows(InvalidModelException.class, () -> Model.load(file));
    String msg = e.getMessage();
    assertTrue(msg.startsWith("unsupported operator LRN"), msg);
    assertTrue(msg.contains("'norm1'"), msg);
    assertTrue(msg.contains("opset " + m.getOpsetImport(0).getVersion()), msg);
  }

  @Test
  void foreignDomainIsUnsupported() {
    ModelProto.Builder m = Architectures.lenet5Model().toBuilder();
    m.getGraphBuilder().getNodeBuilder(0).setDomain("com.example");
    InvalidModelException e =
        assertThrows(
            InvalidModelException.class, () -> Model.load(m.build().toByteArray(), "x.onnx"));
    assertTrue(e.getMessage().contains("com.example"), e.getMessage());
  }

  @Test
  void modelWithoutGraphIsRejected() {
    byte[] empty = ModelProto.newBuilder().setIrVersion(7).build().toByteArray();
    InvalidModelException e =
        assertThrows(InvalidModelException.class, () -> Model.load(empty, "empty.onnx"));
    assertTrue(e.getMessage().contains("no graph"), e.getMessage());
  }
}
