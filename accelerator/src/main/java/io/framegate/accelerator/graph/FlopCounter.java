package io.framegate.accelerator.graph;

import io.framegate.accelerator.tensor.Shapes;

/**
 * Floating-point operations of one run of a specialised graph, counting a multiply-add as two: the
 * convolutions and matrix products, which are where CNNs spend their time. Element-wise work is
 * left out, as benchmark tables conventionally do, so GFLOP/s figures compare with other engines'
 * numbers.
 */
public final class FlopCounter {
  private FlopCounter() {}

  public static long count(Graph g) {
    long flops = 0;
    for (Node n : g.nodes()) {
      flops += count(g, n);
    }
    return flops;
  }

  /** The FLOPs of one node of a specialised graph (0 for nodes that are not counted). */
  public static long count(Graph g, Node n) {
    return switch (n.opType()) {
      case "Conv", "FusedConv" -> {
        // 2 · |Y| · (C/group) · |kernel|: every output element is a dot product over one group's
        // window
        int[] y = g.value(n.outputs().get(0)).shape();
        int[] w = g.value(n.input(1)).shape();
        yield 2L * Shapes.size(y) * Shapes.product(w, 1, w.length);
      }
      case "Gemm" -> {
        int[] a = g.value(n.input(0)).shape();
        int[] y = g.value(n.outputs().get(0)).shape();
        boolean transA = n.attributes().getInt("transA", 0) != 0;
        yield 2L * Shapes.size(y) * (transA ? a[0] : a[1]);
      }
      case "MatMul" -> {
        int[] a = g.value(n.input(0)).shape();
        int[] y = g.value(n.outputs().get(0)).shape();
        yield 2L * Shapes.size(y) * a[a.length - 1];
      }
      default -> 0;
    };
  }
}
