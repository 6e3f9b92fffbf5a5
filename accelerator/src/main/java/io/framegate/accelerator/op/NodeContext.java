package io.framegate.accelerator.op;

import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Attributes;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** What an operator sees of its node: attributes, the opset, input types and constant inputs. */
public final class NodeContext {
  private final Node node;
  private final int opset;
  private final List<ValueInfo> inputs;
  private final Map<String, Tensor> constants;

  /** {@code inputs} holds null for omitted optional inputs. */
  public NodeContext(Node node, int opset, List<ValueInfo> inputs, Map<String, Tensor> constants) {
    this.node = node;
    this.opset = opset;
    this.inputs = inputs;
    this.constants = constants;
  }

  public Node node() {
    return node;
  }

  public int opset() {
    return opset;
  }

  public Attributes attrs() {
    return node.attributes();
  }

  public int inputCount() {
    return inputs.size();
  }

  public boolean hasInput(int i) {
    return i < inputs.size() && inputs.get(i) != null;
  }

  public ValueInfo input(int i) {
    if (!hasInput(i)) {
      throw error("input " + i + " is required");
    }
    return inputs.get(i);
  }

  public int[] shape(int i) {
    return input(i).shape();
  }

  /** The constant value of input i, or null when it is computed at run time. */
  public Tensor constant(int i) {
    return hasInput(i) ? constants.get(node.input(i)) : null;
  }

  /** The constant value of input i, which must be known when the model is loaded. */
  public Tensor requireConstant(int i, String what) {
    Tensor t = constant(i);
    if (t == null) {
      throw unsupported(what + " (input " + i + ") must be a constant, not computed at run time");
    }
    return t;
  }

  public void requireFloat(int i) {
    if (input(i).type() != DataType.FLOAT32) {
      throw unsupported("input " + i + " is " + input(i).type() + " computed at run time");
    }
  }

  public ValueInfo output(int i, DataType type, int... shape) {
    return ValueInfo.of(node.outputs().get(i), type, shape);
  }

  public ValueInfo floatOutput(int... shape) {
    return output(0, DataType.FLOAT32, shape);
  }

  /** An error that names this node. */
  public InvalidModelException error(String message) {
    return new InvalidModelException(node.describe() + ": " + message);
  }

  /**
   * A valid model the engine does not run; the message starts with "unsupported" so that callers
   * can tell it from a broken model.
   */
  public InvalidModelException unsupported(String message) {
    return new InvalidModelException(
        "unsupported " + node.describe() + " (opset " + opset + "): " + message);
  }
}
