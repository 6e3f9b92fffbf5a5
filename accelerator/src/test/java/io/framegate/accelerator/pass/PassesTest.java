package io.framegate.accelerator.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PassesTest {

  private static long count(Graph g, String opType) {
    return g.nodes().stream().map(Node::opType).filter(opType::equals).count();
  }

  private static Graph raw(byte[] model, int batch) {
    Model m = Model.load(model, "m");
    int[] shape = m.inputs().get(0).shape();
    shape[0] = batch;
    return Specializer.specialize(
        m.graph(), Map.of(m.inputs().get(0).name(), shape), Map.of(), false);
  }

  private static float[] run(Graph g, long seed) {
    int[] shape = g.inputs().get(0).shape();
    float[] x = new float[Shapes.size(shape)];
    Random r = new Random(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    try (ExecutionPlan p = new ReferenceBackend(2).compile(g)) {
      return p.run(Map.of(g.inputs().get(0).name(), Tensor.of(x, shape)))
          .values()
          .iterator()
          .next()
          .floats();
    }
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    float max = 0;
    float diff = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i]));
      diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(diff <= 1e-5f * Math.max(1f, max), "max diff " + diff + " vs max |y| " + max);
  }

  @Test
  void resnetBatchNormsFoldAndBlocksFuseWithoutChangingResults() {
    Graph plain = raw(Architectures.resnet18(), 1);
    Graph optimized = Passes.optimize(plain);
    assertTrue(count(plain, "BatchNormalization") > 0);
    assertEquals(0, count(optimized, "BatchNormalization"), "every BN follows a Conv");
    assertEquals(0, count(optimized, "Relu") - 0, "every Relu follows a Conv or a residual Add");
    assertEquals(0, count(optimized, "Add"), "every residual Add is fused");
    assertTrue(count(optimized, "FusedConv") >= count(plain, "Add"));
    assertClose(run(plain, 7), run(optimized, 7));
  }

  @Test
  void clipWithConstantInputsFusesIntoTheConvolution() {
    Supplier<byte[]> model =
        () -> {
          OnnxModelBuilder b = new OnnxModelBuilder("clip", 13, 3);
          String x = b.input("x", 5, 9, 9);
          String y = b.clip(b.batchNorm(b.conv(x, 7, 3, 1, 1)), 0f, 0.25f);
          return b.output(y).toBytes();
        };
    Graph plain = raw(model.get(), 2);
    Graph optimized = Passes.optimize(plain);
    assertEquals(1, optimized.nodes().size(), optimized.nodes().toString());
    assertEquals("FusedConv", optimized.nodes().get(0).opType());
    float[] expected = run(plain, 11);
    assertClose(expected, run(optimized, 11));
    boolean clipped = false;
    for (float v : expected) {
      clipped |= v == 0.25f;
    }
    assertTrue(clipped, "the test input must reach the upper bound");
  }

  @Test
  void pytorchStyleFlattenSubgraphFoldsToAConstantShape() {
    OnnxModelBuilder b = new OnnxModelBuilder("view", 13, 5);
    String x = b.input("x", 3, 4, 4);
    String y = b.gemm(b.viewFlatten(b.relu(x)), 6);
    Model m = Model.load(b.output(y).toBytes(), "view");
    assertTrue(m.graph().nodes().stream().anyMatch(n -> n.opType().equals("Shape")));
    Graph g = m.specialize(3);
    for (Node n : g.nodes()) {
      assertTrue(
          !n.opType().equals("Shape")
              && !n.opType().equals("Gather")
              && !n.opType().equals("Concat"),
          "left at run time: " + n.describe());
    }
    assertEquals(3, g.outputs().get(0).shape()[0]);
  }
}
