package io.framegate.accelerator;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.onnx.OnnxImporter;
import io.framegate.accelerator.pass.Specializer;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    return new Model(OnnxImporter.read(file), file.toString());
  }

  public static Model load(byte[] onnxBytes, String sourceName) {
    return new Model(OnnxImporter.read(onnxBytes, sourceName), sourceName);
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
    return Specializer.specialize(graph, shapes, frozenInputs);
  }

  /** {@link #specialize(Map, Map)} with dimension 0 of every input set to {@code batch}. */
  public Graph specialize(int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, is " + batch);
    }
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (ValueInfo in : graph.inputs()) {
      int[] shape = in.shape();
      if (shape.length > 0) {
        shape[0] = batch;
      }
      shapes.put(in.name(), shape);
    }
    return specialize(shapes, Map.of());
  }

  /** Compiles for a batch size (dimension 0 of every input). */
  public ExecutionPlan plan(Backend backend, int batch) {
    return backend.compile(specialize(batch));
  }
}
