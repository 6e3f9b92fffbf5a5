package io.framegate.accelerator;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A loaded model: the imported graph, ready to be specialised to input shapes and compiled. */
public final class Model {
  private final Graph graph;
  private final String source;

  private Model(Graph graph, String source) {
    this.graph = graph;
    this.source = source;
  }

  /** Reads an ONNX file. @throws io.framegate.accelerator.error.InvalidModelException */
  public static Model load(Path file) {
    throw new UnsupportedOperationException("importer not written yet");
  }

  public static Model load(byte[] onnxBytes, String sourceName) {
    throw new UnsupportedOperationException("importer not written yet");
  }

  public Graph graph() {
    return graph;
  }

  public String source() {
    return source;
  }

  public List<ValueInfo> inputs() {
    return graph.inputs();
  }

  public List<ValueInfo> outputs() {
    return graph.outputs();
  }

  /**
   * Fixes every input's shape and, optionally, binds some inputs to constant values (shape-like
   * INT64 inputs such as Reshape's target shape), then infers all shapes, folds constants and runs
   * the optimisation passes. Inputs not named in {@code shapes} keep their declared shape; a
   * symbolic dimension left over is an error naming the input.
   */
  public Graph specialize(Map<String, int[]> shapes, Map<String, Tensor> frozenInputs) {
    throw new UnsupportedOperationException("not written yet");
  }

  /** {@link #specialize(Map, Map)} with dimension 0 of every input set to {@code batch}. */
  public Graph specialize(int batch) {
    throw new UnsupportedOperationException("not written yet");
  }

  /** Compiles for a batch size (dimension 0 of every input). */
  public ExecutionPlan plan(Backend backend, int batch) {
    return backend.compile(specialize(batch));
  }
}
