package io.framegate.accelerator.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JvmPlanTest {

  private static Tensor randomInput(Graph g, long seed) {
    int[] shape = g.inputs().get(0).shape();
    float[] x = new float[Shapes.size(shape)];
    Random r = new Random(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    return Tensor.of(x, shape);
  }

  @Test
  void buffersAreSharedByLivenessAndReuseDoesNotCorruptResults() {
    Graph g = Model.load(Architectures.resnet18(), "r18").specialize(2);
    long allValues = Shapes.size(g.inputs().get(0).shape());
    for (var n : g.nodes()) {
      for (String out : n.outputs()) {
        allValues += Shapes.size(g.value(out).shape());
      }
    }
    String input = g.inputs().get(0).name();
    try (JvmPlan plan = (JvmPlan) new ReferenceBackend(2).compile(g)) {
      assertTrue(
          plan.arenaFloats() < allValues / 2,
          "arena " + plan.arenaFloats() + " floats vs " + allValues + " without sharing");
      Tensor a = randomInput(g, 1);
      Tensor b = randomInput(g, 2);
      float[] first = plan.run(Map.of(input, a)).values().iterator().next().floats();
      plan.run(Map.of(input, b));
      float[] again = plan.run(Map.of(input, a)).values().iterator().next().floats();
      assertArrayEquals(first, again, "a plan's result depends only on its input");
    }
  }

  @Test
  void steadyStateRunsAllocateOnlyTheirOutputs() {
    Graph g = Model.load(Architectures.resnet18(), "r18").specialize(1);
    String input = g.inputs().get(0).name();
    Map<String, Tensor> feed = Map.of(input, randomInput(g, 3));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (JvmPlan plan = new JvmPlan(g, 1)) {
      plan.run(feed);
      plan.run(feed);
      long before = threads.getCurrentThreadAllocatedBytes();
      plan.run(feed);
      long used = threads.getCurrentThreadAllocatedBytes() - before;
      long outputBytes = 4L * Shapes.size(g.outputs().get(0).shape());
      // the output copy and its map; nothing per layer (resnet18 has ~30 steps)
      assertTrue(used < outputBytes + 4096, "one run allocated " + used + " bytes");
    }
  }

  @Test
  void wrongInputsAreRejectedByName() {
    Graph g = Model.load(Architectures.lenet5(), "lenet").specialize(1);
    try (JvmPlan plan = new JvmPlan(g, 1)) {
      String input = g.inputs().get(0).name();
      InvalidInputException missing =
          assertThrows(InvalidInputException.class, () -> plan.run(Map.of()));
      assertTrue(missing.getMessage().contains(input), missing.getMessage());
      InvalidInputException shape =
          assertThrows(
              InvalidInputException.class,
              () -> plan.run(Map.of(input, Tensor.zeros(1, 1, 31, 32))));
      assertTrue(shape.getMessage().contains("[1, 1, 32, 32]"), shape.getMessage());
      InvalidInputException unknown =
          assertThrows(
              InvalidInputException.class,
              () -> plan.run(Map.of(input, randomInput(g, 1), "other", Tensor.zeros(1))));
      assertTrue(unknown.getMessage().contains("'other'"), unknown.getMessage());
      // the plan still works after rejecting bad calls
      assertEquals(1, plan.run(Map.of(input, randomInput(g, 1))).size());
    }
  }
}
