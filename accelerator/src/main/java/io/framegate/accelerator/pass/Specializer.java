package io.framegate.accelerator.pass;

import io.framegate.accelerator.error.FramegateException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operator;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fixes the input shapes of a graph, infers every value's shape node by node, and folds every node
 * whose inputs are all constants (shape sub-graphs such as Shape→Gather→Unsqueeze→Concat→Reshape
 * become one constant shape). Nodes that no output needs are dropped.
 */
public final class Specializer {
  private Specializer() {}

  public static Graph specialize(Graph g, Map<String, int[]> shapes, Map<String, Tensor> frozen) {
    return specialize(g, shapes, frozen, true);
  }

  /**
   * As {@link #specialize(Graph, Map, Map)}; {@code optimize=false} skips BN folding and fusion,
   * which tests use to check that the passes preserve results.
   */
  public static Graph specialize(
      Graph g, Map<String, int[]> shapes, Map<String, Tensor> frozen, boolean optimize) {
    Map<String, Tensor> constants = new LinkedHashMap<>(g.constants());
    Map<String, ValueInfo> values = new LinkedHashMap<>();
    List<ValueInfo> inputs = new ArrayList<>();
    for (String name : shapes.keySet()) {
      if (g.inputs().stream().noneMatch(v -> v.name().equals(name))) {
        throw new InvalidModelException("the model has no input named '" + name + "'");
      }
    }
    for (ValueInfo in : g.inputs()) {
      Tensor bound = frozen.get(in.name());
      if (bound != null) {
        constants.put(in.name(), bound);
        values.put(in.name(), new ValueInfo(in.name(), bound.type(), bound.shape(), null));
        continue;
      }
      int[] shape = resolve(in, shapes.get(in.name()));
      ValueInfo v = in.withShape(shape);
      inputs.add(v);
      values.put(v.name(), v);
    }
    for (var e : constants.entrySet()) {
      values.put(
          e.getKey(), new ValueInfo(e.getKey(), e.getValue().type(), e.getValue().shape(), null));
    }

    List<Node> kept = new ArrayList<>();
    for (Node node : g.nodes()) {
      Operator op = Operators.forNode(node);
      List<ValueInfo> inInfos = new ArrayList<>();
      boolean allConstant = true;
      for (String name : node.inputs()) {
        if (name.isEmpty()) {
          inInfos.add(null);
          continue;
        }
        inInfos.add(values.get(name));
        allConstant &= constants.containsKey(name);
      }
      NodeContext ctx = new NodeContext(node, g.opset(), inInfos, constants);
      List<ValueInfo> outs = guarded(node, () -> op.infer(ctx));
      if (allConstant || op.foldsFromShapes()) {
        List<Tensor> in = new ArrayList<>();
        for (String name : node.inputs()) {
          in.add(name.isEmpty() ? null : constants.get(name));
        }
        List<Tensor> folded = guarded(node, () -> op.evaluate(ctx, in, outs));
        for (int i = 0; i < outs.size(); i++) {
          constants.put(outs.get(i).name(), folded.get(i));
        }
      } else {
        kept.add(node);
      }
      for (ValueInfo v : outs) {
        values.put(v.name(), v);
      }
    }

    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfo out : g.outputs()) {
      ValueInfo v = values.get(out.name());
      if (v == null) {
        throw new InvalidModelException("graph output '" + out.name() + "' is never computed");
      }
      outputs.add(v);
    }
    List<Node> live = liveNodes(kept, outputs);
    Map<String, Tensor> usedConstants = usedConstants(constants, live, outputs);
    Graph result = g.with(inputs, live, usedConstants, values, outputs);
    return optimize ? Passes.optimize(result) : result;
  }

  private static int[] resolve(ValueInfo in, int[] given) {
    int[] declared = in.shape();
    if (given == null) {
      for (int i = 0; i < declared.length; i++) {
        if (declared[i] < 0) {
          String dim = in.dimNames() == null ? "?" : in.dimNames().get(i);
          throw new InvalidModelException(
              "input '"
                  + in.name()
                  + "' has a symbolic dimension '"
                  + dim
                  + "' at axis "
                  + i
                  + ": give its size");
        }
      }
      return declared;
    }
    if (declared.length != 0 && given.length != declared.length) {
      throw new InvalidModelException(
          "input '"
              + in.name()
              + "' has rank "
              + declared.length
              + ", given shape "
              + Arrays.toString(given));
    }
    for (int i = 0; i < given.length; i++) {
      if (given[i] < 0) {
        throw new InvalidModelException(
            "input '" + in.name() + "': dimension " + i + " must not be negative, is " + given[i]);
      }
      // axis 0 is the batch: a model exported at batch 1 runs at any batch
      if (i > 0 && declared.length != 0 && declared[i] >= 0 && declared[i] != given[i]) {
        throw new InvalidModelException(
            "input '"
                + in.name()
                + "' expects shape "
                + Arrays.toString(declared)
                + ", given "
                + Arrays.toString(given));
      }
    }
    return given.clone();
  }

  private static <T> T guarded(Node node, java.util.function.Supplier<T> body) {
    try {
      return body.get();
    } catch (FramegateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidModelException(node.describe() + ": " + e.getMessage(), e);
    }
  }

  static List<Node> liveNodes(List<Node> nodes, List<ValueInfo> outputs) {
    Set<String> needed = new HashSet<>();
    outputs.forEach(o -> needed.add(o.name()));
    List<Node> live = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (n.outputs().stream().anyMatch(needed::contains)) {
        live.add(0, n);
        n.inputs().forEach(needed::add);
      }
    }
    return live;
  }

  static Map<String, Tensor> usedConstants(
      Map<String, Tensor> constants, List<Node> nodes, List<ValueInfo> outputs) {
    Set<String> used = new HashSet<>();
    nodes.forEach(n -> used.addAll(n.inputs()));
    outputs.forEach(o -> used.add(o.name()));
    Map<String, Tensor> out = new LinkedHashMap<>();
    constants.forEach(
        (k, v) -> {
          if (used.contains(k)) {
            out.put(k, v);
          }
        });
    return out;
  }
}
