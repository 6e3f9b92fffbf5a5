package io.framegate.accelerator.pass;

import io.framegate.accelerator.graph.Attributes;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Load-time graph rewrites on a specialised graph: BatchNormalization folded into the preceding
 * Conv's weights and bias, then Conv + residual Add + activation merged into one {@code FusedConv}
 * node.
 */
public final class Passes {
  private Passes() {}

  public static Graph optimize(Graph g) {
    return fuseConvolutions(foldBatchNorms(g));
  }

  /**
   * {@code BN(conv(x, W) + B) = conv(x, W·s) + (B − mean)·s + β} with {@code s = γ/√(var + ε)} per
   * output channel, when the Conv's only reader is the BatchNormalization and all parameters are
   * constant.
   */
  static Graph foldBatchNorms(Graph g) {
    Map<String, Tensor> constants = new LinkedHashMap<>(g.constants());
    Map<String, ValueInfo> values = new LinkedHashMap<>(g.values());
    Map<String, Integer> readers = g.consumerCounts();
    List<Node> nodes = new ArrayList<>(g.nodes());
    for (int i = 0; i < nodes.size(); i++) {
      Node bn = nodes.get(i);
      if (!bn.opType().equals("BatchNormalization") || !bn.domain().isEmpty()) {
        continue;
      }
      String convOut = bn.input(0);
      int ci = indexOfProducer(nodes, convOut);
      if (ci < 0 || readers.getOrDefault(convOut, 0) != 1) {
        continue;
      }
      Node conv = nodes.get(ci);
      if (!conv.opType().equals("Conv") || !conv.domain().isEmpty()) {
        continue;
      }
      Tensor w = constants.get(conv.input(1));
      Tensor b = conv.hasInput(2) ? constants.get(conv.input(2)) : null;
      Tensor gamma = constants.get(bn.input(1));
      Tensor beta = constants.get(bn.input(2));
      Tensor mean = constants.get(bn.input(3));
      Tensor var = constants.get(bn.input(4));
      if (w == null
          || (conv.hasInput(2) && b == null)
          || gamma == null
          || beta == null
          || mean == null
          || var == null) {
        continue;
      }
      int m = w.dim(0);
      int per = w.size() / m;
      float eps = bn.attributes().getFloat("epsilon", 1e-5f);
      float[] wf = w.floats().clone();
      float[] bf = new float[m];
      for (int c = 0; c < m; c++) {
        float s = (float) (gamma.floats()[c] / Math.sqrt(var.floats()[c] + (double) eps));
        for (int j = 0; j < per; j++) {
          wf[c * per + j] *= s;
        }
        float bias = b == null ? 0f : b.floats()[c];
        bf[c] = (bias - mean.floats()[c]) * s + beta.floats()[c];
      }
      String wName = unique(constants, conv.name() + ".folded_weight");
      String bName = unique(constants, conv.name() + ".folded_bias");
      constants.put(wName, Tensor.of(wf, w.shape()));
      constants.put(bName, Tensor.of(bf, m));
      values.put(wName, ValueInfo.of(wName, w.type(), w.shape()));
      values.put(bName, ValueInfo.of(bName, w.type(), m));
      Node folded =
          new Node(
              conv.name(),
              "Conv",
              "",
              List.of(conv.input(0), wName, bName),
              List.of(bn.outputs().get(0)),
              conv.attributes());
      nodes.set(ci, folded);
      nodes.remove(i);
      i--;
    }
    return rebuild(g, nodes, constants, values);
  }

  /** Conv [+ Add(residual)] [+ activation] → one FusedConv. */
  static Graph fuseConvolutions(Graph g) {
    List<Node> nodes = new ArrayList<>(g.nodes());
    Map<String, Integer> readers = g.consumerCounts();
    for (int i = 0; i < nodes.size(); i++) {
      Node conv = nodes.get(i);
      if (!conv.opType().equals("Conv") || !conv.domain().isEmpty()) {
        continue;
      }
      String out = conv.outputs().get(0);
      String residual = "";
      int act = 0;
      float alpha = 0;
      float beta = 0;
      List<Node> absorbed = new ArrayList<>();
      Node next = onlyReader(nodes, readers, out, g);
      if (next != null && next.opType().equals("Add") && next.domain().isEmpty()) {
        String other = next.input(0).equals(out) ? next.input(1) : next.input(0);
        if (!other.equals(out)
            && Arrays.equals(g.value(other).shape(), g.value(out).shape())
            && Arrays.equals(g.value(next.outputs().get(0)).shape(), g.value(out).shape())) {
          residual = other;
          absorbed.add(next);
          out = next.outputs().get(0);
          next = onlyReader(nodes, readers, out, g);
        }
      }
      if (next != null) {
        List<ValueInfo> actInputs = new ArrayList<>();
        for (String in : next.inputs()) {
          actInputs.add(in.isEmpty() ? null : g.value(in));
        }
        NodeContext ctx = new NodeContext(next, g.opset(), actInputs, g.constants());
        float[] p = allOthersConstant(next, g) ? Operators.fusableActivation(next, ctx) : null;
        if (p != null) {
          act = (int) p[0];
          alpha = p[1];
          beta = p[2];
          absorbed.add(next);
          out = next.outputs().get(0);
        }
      }
      if (absorbed.isEmpty()) {
        continue;
      }
      Map<String, Object> attrs = new LinkedHashMap<>();
      for (String name : conv.attributes().names()) {
        attrs.put(name, conv.attributes().raw(name));
      }
      attrs.put("activation", (long) act);
      attrs.put("alpha", alpha);
      attrs.put("beta", beta);
      Node fused =
          new Node(
              conv.name(),
              "FusedConv",
              Operators.INTERNAL_DOMAIN,
              List.of(conv.input(0), conv.input(1), conv.input(2), residual),
              List.of(out),
              new Attributes(attrs));
      nodes.set(i, fused);
      nodes.removeAll(absorbed);
    }
    return rebuild(g, nodes, new LinkedHashMap<>(g.constants()), new LinkedHashMap<>(g.values()));
  }

  /** An activation's extra inputs (Clip's min/max) must be constants to be fused. */
  private static boolean allOthersConstant(Node n, Graph g) {
    for (int i = 1; i < n.inputs().size(); i++) {
      if (n.hasInput(i) && !g.constants().containsKey(n.input(i))) {
        return false;
      }
    }
    return true;
  }

  private static Node onlyReader(
      List<Node> nodes, Map<String, Integer> readers, String value, Graph g) {
    if (readers.getOrDefault(value, 0) != 1
        || g.outputs().stream().anyMatch(o -> o.name().equals(value))) {
      return null;
    }
    for (Node n : nodes) {
      if (n.inputs().contains(value)) {
        return n;
      }
    }
    return null;
  }

  private static int indexOfProducer(List<Node> nodes, String value) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).outputs().contains(value)) {
        return i;
      }
    }
    return -1;
  }

  private static String unique(Map<String, Tensor> constants, String base) {
    String name = base;
    for (int k = 1; constants.containsKey(name); k++) {
      name = base + k;
    }
    return name;
  }

  private static Graph rebuild(
      Graph g, List<Node> nodes, Map<String, Tensor> constants, Map<String, ValueInfo> values) {
    Map<String, Tensor> used = Specializer.usedConstants(constants, nodes, g.outputs());
    return g.with(g.inputs(), nodes, used, values, g.outputs());
  }
}
