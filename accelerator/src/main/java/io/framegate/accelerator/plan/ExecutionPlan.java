package io.framegate.accelerator.plan;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for one backend and one set of input shapes. Not thread-safe: one thread owns a
 * plan at a time. Closing it releases its buffers (and device memory).
 */
public interface ExecutionPlan extends AutoCloseable {

  /** The runtime inputs with their exact shapes. */
  List<ValueInfo> inputs();

  List<ValueInfo> outputs();

  /**
   * Runs the graph. Every input must be given with its exact shape; the returned tensors belong to
   * the caller.
   *
   * @throws io.framegate.accelerator.error.InvalidInputException naming the input that does not fit
   */
  Map<String, Tensor> run(Map<String, Tensor> inputs);

  @Override
  void close();

  /**
   * The check every plan makes before a run: no unknown names, every declared input present, each
   * FLOAT32 with its exact shape.
   *
   * @throws InvalidInputException naming the input that does not fit
   */
  static void checkInputs(List<ValueInfo> declared, Map<String, Tensor> inputs) {
    for (String name : inputs.keySet()) {
      if (declared.stream().noneMatch(v -> v.name().equals(name))) {
        throw new InvalidInputException(
            "the model has no input named '"
                + name
                + "' (inputs: "
                + declared.stream().map(ValueInfo::name).toList()
                + ")");
      }
    }
    for (ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      if (t == null) {
        throw new InvalidInputException("input '" + v.name() + "' is missing");
      }
      if (t.type() != DataType.FLOAT32 || !Arrays.equals(t.shape(), v.shape())) {
        throw new InvalidInputException(
            "input '"
                + v.name()
                + "' must be FLOAT32 "
                + Arrays.toString(v.shape())
                + ", got "
                + t.type()
                + " "
                + Arrays.toString(t.shape()));
      }
    }
  }
}
