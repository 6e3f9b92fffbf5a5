package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;

/**
 * One ONNX operator: shape inference, constant evaluation, and compilation to a JVM step over the
 * shared kernels.
 */
public interface Operator {

  OpSchema schema();

  /** The types and shapes of the node's outputs, in order. Constant inputs are visible in ctx. */
  List<ValueInfo> infer(NodeContext ctx);

  /**
   * Whether the output is the first input's data under another shape (Reshape, Flatten,
   * Identity...): the plan then gives both values the same buffer and no step runs.
   */
  default boolean aliasesInput() {
    return false;
  }

  /**
   * Whether the result depends only on input shapes (Shape), so it folds even for run-time inputs.
   */
  default boolean foldsFromShapes() {
    return false;
  }

  /**
   * Evaluates the node when all its inputs are constants (used by constant folding). The default
   * runs the compiled step on fresh buffers; operators that also handle INT64 data override it.
   */
  default List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    float[][] in = new float[inputs.size()][];
    for (int i = 0; i < in.length; i++) {
      Tensor t = inputs.get(i);
      in[i] = t == null ? null : t.toFloats();
    }
    float[][] out = new float[outputs.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[io.framegate.accelerator.tensor.Shapes.size(outputs.get(i).shape())];
    }
    if (aliasesInput()) {
      out[0] = in[0].clone();
    } else {
      compile(ctx, outputs, in, out).run(Loops.SEQUENTIAL);
    }
    List<Tensor> result = new java.util.ArrayList<>(out.length);
    for (int i = 0; i < out.length; i++) {
      result.add(Tensor.of(out[i], outputs.get(i).shape()));
    }
    return result;
  }

  /**
   * Binds the node to its buffers. {@code in[i]} is the data of input i (null for an omitted
   * optional input; constants included), {@code out[i]} the buffer of output i, at least as large
   * as its shape.
   */
  Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out);
}
