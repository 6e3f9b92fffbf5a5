package io.framegate.accelerator.plan;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Tensor;
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
}
