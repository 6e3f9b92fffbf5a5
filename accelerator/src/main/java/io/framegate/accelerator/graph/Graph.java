package io.framegate.accelerator.graph;

import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's computation graph: runtime inputs, constant values (initializers and folded results),
 * nodes in topological order, outputs, and the known type and shape of every value. Immutable;
 * passes return a new graph.
 */
public final class Graph {
  private final String name;
  private final int opset;
  private final List<ValueInfo> inputs;
  private final List<ValueInfo> outputs;
  private final Map<String, Tensor> constants;
  private final List<Node> nodes;
  private final Map<String, ValueInfo> values;
  private final Map<String, String> metadata;

  public Graph(
      String name,
      int opset,
      List<ValueInfo> inputs,
      List<ValueInfo> outputs,
      Map<String, Tensor> constants,
      List<Node> nodes,
      Map<String, ValueInfo> values,
      Map<String, String> metadata) {
    this.name = name;
    this.opset = opset;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
    this.nodes = sortTopologically(nodes, inputs, constants.keySet());
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public String name() {
    return name;
  }

  /** The default-domain operator set version the nodes bind to. */
  public int opset() {
    return opset;
  }

  public List<ValueInfo> inputs() {
    return inputs;
  }

  public List<ValueInfo> outputs() {
    return outputs;
  }

  public Map<String, Tensor> constants() {
    return constants;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** Known type and shape of each value by name (inputs, constants, node outputs). */
  public Map<String, ValueInfo> values() {
    return values;
  }

  public ValueInfo value(String valueName) {
    ValueInfo v = values.get(valueName);
    if (v == null) {
      throw new InvalidModelException("value '" + valueName + "' has no known type or shape");
    }
    return v;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** Number of nodes that read each value (graph outputs count as one reader). */
  public Map<String, Integer> consumerCounts() {
    Map<String, Integer> counts = new HashMap<>();
    for (Node n : nodes) {
      for (String in : n.inputs()) {
        if (!in.isEmpty()) {
          counts.merge(in, 1, Integer::sum);
        }
      }
    }
    for (ValueInfo out : outputs) {
      counts.merge(out.name(), 1, Integer::sum);
    }
    return counts;
  }

  public Graph with(
      List<ValueInfo> newInputs,
      List<Node> newNodes,
      Map<String, Tensor> newConstants,
      Map<String, ValueInfo> newValues,
      List<ValueInfo> newOutputs) {
    return new Graph(
        name, opset, newInputs, newOutputs, newConstants, newNodes, newValues, metadata);
  }

  /** Kahn's algorithm, stable in the model's node order; names the nodes left over on a cycle. */
  private static List<Node> sortTopologically(
      List<Node> nodes, List<ValueInfo> inputs, java.util.Set<String> constantNames) {
    Map<String, Node> producers = new HashMap<>();
    for (Node n : nodes) {
      for (String out : n.outputs()) {
        if (out.isEmpty()) {
          continue;
        }
        if (producers.put(out, n) != null) {
          throw new InvalidModelException(
              "value '" + out + "' is produced by more than one node (" + n.describe() + ")");
        }
      }
    }
    Map<Node, Integer> pending = new LinkedHashMap<>();
    Map<String, List<Node>> readers = new HashMap<>();
    for (Node n : nodes) {
      int waits = 0;
      for (String in : n.inputs()) {
        if (in.isEmpty()) {
          continue;
        }
        if (producers.containsKey(in)) {
          waits++;
          readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        } else if (!constantNames.contains(in)
            && inputs.stream().noneMatch(v -> v.name().equals(in))) {
          throw new InvalidModelException(
              n.describe() + " reads '" + in + "', which no node, input or initializer defines");
        }
      }
      pending.put(n, waits);
    }
    List<Node> order = new ArrayList<>(nodes.size());
    Deque<Node> ready = new ArrayDeque<>();
    for (Node n : nodes) {
      if (pending.get(n) == 0) {
        ready.add(n);
      }
    }
    while (!ready.isEmpty()) {
      Node n = ready.poll();
      order.add(n);
      for (String out : n.outputs()) {
        for (Node r : readers.getOrDefault(out, List.of())) {
          // a node reading the same value twice waits for it twice
          int left = pending.merge(r, -1, Integer::sum);
          if (left == 0) {
            ready.add(r);
          }
        }
      }
    }
    if (order.size() != nodes.size()) {
      List<String> stuck = new ArrayList<>();
      for (Node n : nodes) {
        if (!order.contains(n)) {
          stuck.add(n.describe());
        }
      }
      throw new InvalidModelException("the graph has a cycle through " + stuck);
    }
    return List.copyOf(order);
  }
}
