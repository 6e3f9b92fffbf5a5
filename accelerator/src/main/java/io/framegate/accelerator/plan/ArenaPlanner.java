package io.framegate.accelerator.plan;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.tensor.Shapes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Assigns every run-time value of a graph to a buffer so that values whose lifetimes do not overlap
 * share one: a value's buffer returns to the free list after its last reader runs, and a new value
 * takes the smallest free buffer that fits (growing the largest one otherwise). Values that are
 * views of another (Reshape, Flatten...) share their source's buffer and keep it alive.
 */
final class ArenaPlanner {
  /** The buffer index of each run-time value, and each buffer's size in floats. */
  record Assignment(Map<String, Integer> bufferOf, List<Integer> bufferSizes) {}

  private ArenaPlanner() {}

  /**
   * @param floats the floats each run-time value's buffer must hold (more than its elements where a
   *     backend stores it padded)
   */
  static Assignment plan(Graph g, ToIntFunction<String> floats) {
    List<Node> nodes = g.nodes();
    // storage root of each value: views resolve to the value that owns the data
    Map<String, String> root = new HashMap<>();
    for (ValueInfo in : g.inputs()) {
      root.put(in.name(), in.name());
    }
    for (Node n : nodes) {
      boolean view = Operators.forNode(n).aliasesInput();
      for (String out : n.outputs()) {
        if (!out.isEmpty()) {
          root.put(out, view ? root.getOrDefault(n.input(0), n.input(0)) : out);
        }
      }
    }
    // last step that needs each root; graph outputs and inputs live to the end
    Map<String, Integer> lastUse = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        String r = root.get(in);
        if (r != null) {
          lastUse.put(r, i);
        }
      }
    }
    for (ValueInfo out : g.outputs()) {
      String r = root.get(out.name());
      if (r != null) {
        lastUse.put(r, Integer.MAX_VALUE);
      }
    }
    for (ValueInfo in : g.inputs()) {
      lastUse.put(in.name(), Integer.MAX_VALUE);
    }

    Map<String, Integer> bufferOfRoot = new HashMap<>();
    List<Integer> sizes = new ArrayList<>();
    List<Integer> free = new ArrayList<>();
    for (ValueInfo in : g.inputs()) {
      bufferOfRoot.put(in.name(), sizes.size());
      sizes.add(Shapes.size(in.shape()));
    }
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      for (String out : n.outputs()) {
        if (out.isEmpty() || !root.get(out).equals(out)) {
          continue;
        }
        int need = floats.applyAsInt(out);
        bufferOfRoot.put(out, take(free, sizes, need));
        if (!lastUse.containsKey(out)) {
          lastUse.put(out, i); // written but never read: free right away
        }
      }
      // release buffers whose last reader was this step (after its outputs were placed)
      for (String in : n.inputs()) {
        String r = root.get(in);
        if (r != null && lastUse.get(r) == i && bufferOfRoot.containsKey(r)) {
          int b = bufferOfRoot.get(r);
          if (!free.contains(b)) {
            free.add(b);
          }
        }
      }
      for (String out : n.outputs()) {
        if (!out.isEmpty() && root.get(out).equals(out) && lastUse.get(out) == i) {
          free.add(bufferOfRoot.get(out));
        }
      }
    }
    Map<String, Integer> bufferOf = new HashMap<>();
    root.forEach(
        (value, r) -> {
          Integer b = bufferOfRoot.get(r);
          if (b != null) {
            bufferOf.put(value, b);
          }
        });
    return new Assignment(bufferOf, sizes);
  }

  private static int take(List<Integer> free, List<Integer> sizes, int need) {
    int best = -1;
    for (int f : free) {
      if (sizes.get(f) >= need && (best < 0 || sizes.get(f) < sizes.get(best))) {
        best = f;
      }
    }
    if (best < 0 && !free.isEmpty()) {
      // nothing fits: grow the largest free buffer rather than adding one more
      best = free.get(0);
      for (int f : free) {
        if (sizes.get(f) > sizes.get(best)) {
          best = f;
        }
      }
      sizes.set(best, need);
    }
    if (best < 0) {
      sizes.add(need);
      return sizes.size() - 1;
    }
    free.remove(Integer.valueOf(best));
    return best;
  }
}
