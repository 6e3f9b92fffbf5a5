package io.framegate.accelerator.vector;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.tensor.Shapes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which values of a graph the fast backend stores in the {@link Blocked blocked} layout. A value is
 * blocked when it is a 4-D activation whose channels fill whole vectors, and every node that writes
 * or reads it either has a blocked kernel (convolutions, pooling) or does not care about the layout
 * (element-wise operations on tensors of one shape, concatenation of channels), and the
 * layout-blind nodes see one layout on all their tensors. Graph inputs and outputs stay plain, and
 * so does everything next to a node that needs the plain layout (reshapes, matrix products...).
 */
final class BlockedLayout {
  private BlockedLayout() {}

  /** How a node relates to the blocked layout. */
  enum Kind {
    /** Has a blocked kernel for its main input and output. */
    BLOCKED,
    /** Gives the same bytes in either layout, as long as all its tensors share one. */
    EITHER,
    /** Needs the plain layout. */
    PLAIN
  }

  private static final Set<String> UNARY =
      Set.of(
          "Relu",
          "LeakyRelu",
          "Clip",
          "Sigmoid",
          "Tanh",
          "HardSigmoid",
          "HardSwish",
          "Elu",
          "Selu",
          "Softplus",
          "Neg",
          "Abs",
          "Exp",
          "Sqrt",
          "Erf");

  private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min");

  /** The values to store blocked. */
  static Set<String> plan(Graph g) {
    Map<String, Node> producer = new HashMap<>();
    Map<String, List<Node>> consumers = new HashMap<>();
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        producer.put(o, n);
      }
      for (String i : n.inputs()) {
        if (!i.isEmpty()) {
          consumers.computeIfAbsent(i, v -> new ArrayList<>()).add(n);
        }
      }
    }
    Set<String> boundary = new HashSet<>();
    for (ValueInfo v : g.inputs()) {
      boundary.add(v.name());
    }
    for (ValueInfo v : g.outputs()) {
      boundary.add(v.name());
    }
    Map<Node, Kind> kinds = new HashMap<>();
    for (Node n : g.nodes()) {
      kinds.put(n, kind(g, n));
    }
    Set<String> blocked = new HashSet<>();
    for (Map.Entry<String, Node> e : producer.entrySet()) {
      String v = e.getKey();
      if (boundary.contains(v) || !candidate(g, v) || kinds.get(e.getValue()) == Kind.PLAIN) {
        continue;
      }
      boolean all = true;
      for (Node c : consumers.getOrDefault(v, List.of())) {
        all &= kinds.get(c) != Kind.PLAIN;
      }
      if (all) {
        blocked.add(v);
      }
    }
    // a layout-blind node must see one layout: if its tensors disagree, they all stay plain
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Node n : g.nodes()) {
        if (kinds.get(n) != Kind.EITHER) {
          continue;
        }
        List<String> tensors = new ArrayList<>();
        for (String v : n.inputs()) {
          if (!v.isEmpty() && !g.constants().containsKey(v) && candidate(g, v)) {
            tensors.add(v);
          }
        }
        tensors.addAll(n.outputs());
        boolean any = tensors.stream().anyMatch(blocked::contains);
        boolean every = tensors.stream().allMatch(blocked::contains);
        if (any && !every) {
          blocked.removeAll(tensors);
          changed = true;
        }
      }
    }
    blocked.addAll(padded(g, producer, consumers, boundary));
    return blocked;
  }

  /**
   * The values stored blocked although their channels do not fill whole vectors (MobileNetV2's 24
   * on 16-float vectors), the lanes of their last block past C being padding (see {@link
   * Blocked#padded}): those that only direct convolutions write and read, as their input or their
   * residual. Such a convolution reads the padding against zero weights and writes its own output's
   * padding from zero weights and bias, so the padding never reaches a real channel. A residual and
   * the output it is added to are padded both or neither (there is no padded layout conversion).
   */
  private static Set<String> padded(
      Graph g,
      Map<String, Node> producer,
      Map<String, List<Node>> consumers,
      Set<String> boundary) {
    Set<String> padded = new HashSet<>();
    for (Map.Entry<String, Node> e : producer.entrySet()) {
      String v = e.getKey();
      int[] s = g.constants().containsKey(v) ? null : g.value(v).shape();
      if (boundary.contains(v)
          || s == null
          || s.length != 4
          || Blocked.fits(s[1])
          || s[2] * s[3] <= 1
          || !direct(g, e.getValue())) {
        continue;
      }
      boolean all = true;
      for (Node c : consumers.getOrDefault(v, List.of())) {
        all &= direct(g, c);
        for (int i = 0; i < c.inputs().size(); i++) {
          all &= !c.input(i).equals(v) || i == 0 || i == 3;
        }
      }
      if (all) {
        padded.add(v);
      }
    }
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Node n : g.nodes()) {
        if (n.inputs().size() <= 3 || n.input(3).isEmpty() || !direct(g, n)) {
          continue;
        }
        String res = n.input(3);
        String y = n.outputs().get(0);
        if (padded.contains(res) != padded.contains(y)) {
          padded.remove(res);
          padded.remove(y);
          changed = true;
        }
      }
    }
    return padded;
  }

  /** A convolution that is neither grouped nor depthwise, with a blocked kernel. */
  static boolean direct(Graph g, Node n) {
    boolean conv =
        n.opType().equals("Conv")
            ? n.domain().isEmpty()
            : n.opType().equals("FusedConv") && n.domain().equals(Operators.INTERNAL_DOMAIN);
    if (!conv || convKind(g, n) != Kind.BLOCKED || n.attributes().getInt("group", 1) != 1) {
      return false;
    }
    int[] w = g.value(n.input(1)).shape();
    return !(w[0] == 1 && w[1] == 1);
  }

  /** A 4-D float activation with more than one position whose channels fill whole vectors. */
  static boolean candidate(Graph g, String v) {
    if (g.constants().containsKey(v)) {
      return false;
    }
    int[] s = g.value(v).shape();
    return s != null && s.length == 4 && Blocked.fits(s[1]) && s[2] * s[3] > 1;
  }

  static Kind kind(Graph g, Node n) {
    String type = n.opType();
    boolean internal = n.domain().equals(Operators.INTERNAL_DOMAIN);
    if (!internal && !n.domain().isEmpty()) {
      return Kind.PLAIN;
    }
    if (internal) {
      return type.equals("FusedConv") ? convKind(g, n) : Kind.PLAIN;
    }
    return switch (type) {
      case "Conv" -> convKind(g, n);
      case "MaxPool", "AveragePool" ->
          n.outputs().size() == 1 && rank(g, n.input(0)) == 4 && channelsFit(g, n.input(0))
              ? Kind.BLOCKED
              : Kind.PLAIN;
      case "GlobalAveragePool", "GlobalMaxPool" ->
          rank(g, n.input(0)) == 4 && channelsFit(g, n.input(0)) ? Kind.BLOCKED : Kind.PLAIN;
      case "Concat" -> concatKind(g, n);
      default -> {
        if (UNARY.contains(type) && n.outputs().size() == 1) {
          yield Kind.EITHER;
        }
        if (BINARY.contains(type) && n.inputs().size() == 2) {
          int[] a = g.value(n.input(0)).shape();
          int[] b = g.value(n.input(1)).shape();
          boolean constant =
              g.constants().containsKey(n.input(0)) || g.constants().containsKey(n.input(1));
          yield java.util.Arrays.equals(a, b) && !constant ? Kind.EITHER : Kind.PLAIN;
        }
        yield Kind.PLAIN;
      }
    };
  }

  private static Kind convKind(Graph g, Node n) {
    if (rank(g, n.input(0)) != 4
        || !g.constants().containsKey(n.input(1))
        || (n.inputs().size() > 2
            && !n.input(2).isEmpty()
            && !g.constants().containsKey(n.input(2)))) {
      return Kind.PLAIN;
    }
    int[] w = g.value(n.input(1)).shape();
    int[] x = g.value(n.input(0)).shape();
    long group = n.attributes().getInt("group", 1);
    boolean depthwise = group == x[1] && w[0] == x[1] && w[1] == 1;
    if (depthwise) {
      return Blocked.fits(x[1]) ? Kind.BLOCKED : Kind.PLAIN;
    }
    // direct and Winograd convolutions read and write either layout in place (an output whose
    // channels do not fill whole vectors is not a candidate, so it stays plain)
    return group != 1 ? Kind.PLAIN : Kind.BLOCKED;
  }

  /** Concatenating whole channel blocks of 4-D tensors moves the same bytes in both layouts. */
  private static Kind concatKind(Graph g, Node n) {
    long axis = n.attributes().getInt("axis", 0);
    if (axis != 1 && axis != -3) {
      return Kind.PLAIN;
    }
    for (String v : n.inputs()) {
      if (v.isEmpty() || rank(g, v) != 4 || !channelsFit(g, v)) {
        return Kind.PLAIN;
      }
    }
    return Kind.EITHER;
  }

  private static int rank(Graph g, String v) {
    int[] s = g.value(v).shape();
    return s == null ? -1 : s.length;
  }

  private static boolean channelsFit(Graph g, String v) {
    return Blocked.fits(g.value(v).shape()[1]);
  }

  /**
   * Floats each layout buffer must hold: [0] an input of a depthwise convolution or pooling, [1] a
   * residual, [2] an output, over the nodes with blocked kernels that may convert them. Direct
   * convolutions read their input and write their output in place in either layout; only a residual
   * stored in the other layout than their output is converted.
   */
  static int[] conversionFloats(Graph g, Set<String> blocked) {
    int[] most = new int[3];
    for (Node n : g.nodes()) {
      if (kind(g, n) != Kind.BLOCKED) {
        continue;
      }
      boolean conv = n.opType().equals("Conv") || n.opType().equals("FusedConv");
      boolean direct = conv && n.attributes().getInt("group", 1) == 1;
      String res = n.inputs().size() > 3 && !n.input(3).isEmpty() ? n.input(3) : null;
      boolean touches =
          blocked.contains(n.input(0))
              || blocked.contains(n.outputs().get(0))
              || (res != null && blocked.contains(res));
      if (!direct && !touches) {
        continue;
      }
      if (!direct) {
        most[0] = Math.max(most[0], size(g, n.input(0)));
        most[2] = Math.max(most[2], size(g, n.outputs().get(0)));
      }
      if (res != null) {
        most[1] = Math.max(most[1], size(g, res));
      }
    }
    return most;
  }

  private static int size(Graph g, String v) {
    return Shapes.size(g.value(v).shape());
  }
}
