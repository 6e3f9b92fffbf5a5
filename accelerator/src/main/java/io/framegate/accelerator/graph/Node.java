package io.framegate.accelerator.graph;

import java.util.List;

/**
 * One operator application. An empty input name stands for an omitted optional input, as in ONNX.
 *
 * @param name the node's name, or a generated one ("Conv_3") when the model gives none
 * @param domain the operator set's domain, "" for the default ONNX domain
 */
public record Node(
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    Attributes attributes) {

  public Node {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The i-th input name, or "" when absent or omitted. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  public boolean hasInput(int i) {
    return !input(i).isEmpty();
  }

  /** How errors name this node: {@code Conv 'conv1'}. */
  public String describe() {
    return opType + " '" + name + "'";
  }
}
