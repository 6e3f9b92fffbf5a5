package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which values the fast backend stores blocked, on a small network that mixes every kind of node:
 * blocked kernels (direct, Winograd and depthwise convolutions, pooling), layout-blind ones
 * (activations, sums, concatenation) and plain ones (flatten, dense).
 */
class BlockedLayoutTest {
  private static final int C = 2 * Blocked.VL;

  /**
   * Channels of the 3×3 layer with a residual: Winograd's with 8-float vectors, the direct kernel's
   * with 16-float ones (where Winograd takes bigger layers only).
   */
  private static final int W = 5 * Blocked.VL;

  private static byte[] model() {
    OnnxModelBuilder b = new OnnxModelBuilder("mixed", 13, 5);
    String x = b.input("x", 3, 15, 13);
    String stem = b.relu(b.conv(x, C, 3, 2, 1)); // direct, plain image in
    String dw = b.relu(b.conv(stem, C, 3, 1, 1, C, 1, true)); // depthwise
    String pw = b.conv(dw, C, 1, 1, 0); // 1×1 direct
    String sum = b.add(pw, stem); // layout-blind, both inputs blocked
    String pooled = b.maxPool(sum, 3, 2, 1);
    String wide = b.concat(b.conv(pooled, C, 1, 1, 0), pooled); // channel concat of blocks
    String narrow = b.conv(wide, W, 1, 1, 0);
    // Winograd with a residual, between 1×1 convolutions: blocked all round
    String wino = b.relu(b.add(b.conv(narrow, W, 3, 1, 1), narrow));
    String down = b.relu(b.conv(b.conv(wino, C, 1, 1, 0), C, 3, 2, 1, C, 1, true)); // dw stride 2
    String avg = b.avgPool(down, 3, 1, 1); // blocked average pooling
    String y = b.gemm(b.flatten(b.globalAvgPool(avg)), 7); // blocked global pooling
    return b.output(y).toBytes();
  }

  private static Graph graph(int batch) {
    return Model.load(model(), "mixed").specialize(batch);
  }

  @Test
  void blocksTheValuesBetweenBlockedKernelsAndKeepsTheRestPlain() {
    Graph g = graph(2);
    Set<String> blocked = BlockedLayout.plan(g);
    for (ValueInfo v : g.inputs()) {
      assertFalse(blocked.contains(v.name()), v.name());
    }
    for (ValueInfo v : g.outputs()) {
      assertFalse(blocked.contains(v.name()), v.name());
    }
    Node depthwise = null;
    Node winograd = null;
    for (Node n : g.nodes()) {
      if (n.opType().equals("Concat") || n.opType().equals("Add")) {
        assertTrue(blocked.contains(n.outputs().get(0)), n.describe());
      }
      if (!n.opType().endsWith("Conv")) {
        continue;
      }
      int[] w = g.value(n.input(1)).shape();
      if (w[1] == 1) {
        depthwise = n;
      } else if (w[2] == 3 && w[1] == W) {
        winograd = n;
      }
    }
    // the stem's output feeds the depthwise convolution and the sum: both take blocks
    assertTrue(blocked.contains(depthwise.input(0)), "depthwise input");
    assertTrue(blocked.contains(depthwise.outputs().get(0)), "depthwise output");
    // Winograd reads its input and residual and writes its output in the blocked layout
    assertTrue(winograd.inputs().size() > 3 && !winograd.input(3).isEmpty(), "fused residual");
    assertTrue(blocked.contains(winograd.input(0)), "Winograd input");
    assertTrue(blocked.contains(winograd.input(3)), "Winograd residual");
    assertTrue(blocked.contains(winograd.outputs().get(0)), "Winograd output");
    // every blocked value sits between nodes that take blocks, and layout-blind nodes agree
    for (Node n : g.nodes()) {
      BlockedLayout.Kind kind = BlockedLayout.kind(g, n);
      boolean touches = false;
      for (String v : n.inputs()) {
        touches |= blocked.contains(v);
      }
      for (String v : n.outputs()) {
        touches |= blocked.contains(v);
      }
      if (touches) {
        assertNotEquals(BlockedLayout.Kind.PLAIN, kind, n.describe());
      }
      if (kind == BlockedLayout.Kind.EITHER && touches) {
        for (String v : n.inputs()) {
          if (!g.constants().containsKey(v) && BlockedLayout.candidate(g, v)) {
            assertTrue(blocked.contains(v), n.describe() + " input " + v);
          }
        }
        for (String v : n.outputs()) {
          assertTrue(blocked.contains(v), n.describe() + " output " + v);
        }
      }
    }
  }

  @Test
  void theMixedNetworkAgreesWithTheReferenceBackend() {
    for (int batch : new int[] {1, 3}) {
      Graph g = graph(batch);
      assertFalse(BlockedLayout.plan(g).isEmpty(), "something is blocked");
      assertAgreesWithTheReference(g, batch);
    }
  }

  /** Channels that do not fill whole blocks: half a block more than one. */
  private static final int P = Blocked.VL + Blocked.VL / 2;

  /**
   * Values of P channels between direct convolutions (a 1×1, a residual block whose projection adds
   * its input, a 3×3), and one read by pooling.
   */
  private static byte[] paddedModel() {
    OnnxModelBuilder b = new OnnxModelBuilder("padded", 13, 5);
    String x = b.input("x", 3, 14, 12);
    String stem = b.relu(b.conv(x, C, 3, 2, 1));
    String a = b.conv(stem, P, 1, 1, 0);
    String expand = b.relu(b.conv(a, C, 1, 1, 0));
    String block = b.add(b.conv(expand, P, 1, 1, 0), a); // the projection's residual is a
    String wide = b.relu(b.conv(block, C, 3, 1, 1));
    String pooled = b.maxPool(b.conv(wide, P, 3, 1, 1), 3, 2, 1); // pooling reads P plain
    String y = b.gemm(b.flatten(b.globalAvgPool(pooled)), 7);
    return b.output(y).toBytes();
  }

  @Test
  void valuesOfChannelsThatDoNotFillBlocksAreBlockedBetweenDirectConvolutionsOnly() {
    Graph g = Model.load(paddedModel(), "padded").specialize(2);
    Set<String> blocked = BlockedLayout.plan(g);
    int padded = 0;
    for (Node n : g.nodes()) {
      if (!n.opType().endsWith("Conv")) {
        continue;
      }
      String y = n.outputs().get(0);
      if (g.value(y).shape()[1] != P) {
        continue;
      }
      boolean pooled = false;
      for (Node c : g.nodes()) {
        pooled |= c.opType().equals("MaxPool") && c.input(0).equals(y);
      }
      // every P-channel output is blocked but the one that pooling reads
      assertEquals(!pooled, blocked.contains(y), n.describe());
      if (n.inputs().size() > 3 && !n.input(3).isEmpty()) {
        assertTrue(blocked.contains(n.input(3)), "residual of " + n.describe());
      }
      padded += pooled ? 0 : 1;
    }
    assertEquals(2, padded, "blocked values of P channels");
    for (int batch : new int[] {1, 3}) {
      assertAgreesWithTheReference(Model.load(paddedModel(), "padded").specialize(batch), batch);
    }
  }

  /** The fast backend's output on seeded random input is the reference backend's, within 1e-5. */
  private static void assertAgreesWithTheReference(Graph g, int batch) {
    ValueInfo in = g.inputs().get(0);
    int[] shape = in.shape();
    float[] data = new float[java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    Random r = new Random(batch);
    for (int i = 0; i < data.length; i++) {
      data[i] = 2 * r.nextFloat() - 1;
    }
    Map<String, Tensor> feed = Map.of(in.name(), Tensor.of(data, shape));
    Tensor want;
    try (ExecutionPlan ref = new ReferenceBackend(1).compile(g)) {
      want = ref.run(feed).values().iterator().next();
    }
    try (ExecutionPlan fast = new VectorBackend(3).compile(g)) {
      Tensor got = fast.run(feed).values().iterator().next();
      assertEquals(want.floats().length, got.floats().length);
      double scale = 0;
      for (float v : want.floats()) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (int i = 0; i < want.floats().length; i++) {
        assertEquals(want.floats()[i], got.floats()[i], 1e-5 * (1 + scale), "batch " + batch);
      }
    }
  }
}
