package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Shapes;
import java.util.List;

/**
 * Softmax, LogSoftmax and Hardmax. Before opset 13 the input is seen as a 2-D matrix split at
 * {@code axis} (default 1) and normalised over the whole second part; from opset 13 over the single
 * {@code axis} (default −1).
 */
final class SoftmaxOp implements Operator {
  enum Kind {
    SOFTMAX("Softmax"),
    LOG_SOFTMAX("LogSoftmax"),
    HARDMAX("Hardmax");

    final String opType;

    Kind(String opType) {
      this.opType = opType;
    }
  }

  private final Kind kind;

  SoftmaxOp(Kind kind) {
    this.kind = kind;
  }

  @Override
  public OpSchema schema() {
    return new OpSchema(
        kind.opType,
        switch (kind) {
          case SOFTMAX -> "e^x / Σ e^x along an axis";
          case LOG_SOFTMAX -> "x − log Σ e^x along an axis";
          case HARDMAX -> "1 at the first maximum along an axis, 0 elsewhere";
        },
        List.of(
            new AttrSchema(
                "axis",
                "int",
                "1 (opset < 13) / −1",
                "before 13: flatten from axis; from 13: one axis")),
        1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    ctx.requireFloat(0);
    split(ctx);
    return List.of(ctx.floatOutput(ctx.shape(0)));
  }

  /** {outer, axisLength, inner}. */
  private static int[] split(NodeContext ctx) {
    int[] x = ctx.shape(0);
    boolean legacy = ctx.opset() < 13;
    long axisAttr = ctx.attrs().getInt("axis", legacy ? 1 : -1);
    int axis;
    try {
      axis = Shapes.axis(axisAttr, Math.max(x.length, 1), "softmax");
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    if (x.length == 0) {
      return new int[] {1, 1, 1};
    }
    if (legacy) {
      return new int[] {Shapes.product(x, 0, axis), Shapes.product(x, axis, x.length), 1};
    }
    return new int[] {Shapes.product(x, 0, axis), x[axis], Shapes.product(x, axis + 1, x.length)};
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    int[] s = split(ctx);
    int axisLength = s[1];
    int inner = s[2];
    float[] x = in[0];
    float[] y = out[0];
    int total = s[0] * inner;
    return switch (kind) {
      case SOFTMAX -> KernelCall.softmax(x, y, axisLength, inner, 0, total).step();
      case LOG_SOFTMAX -> KernelCall.softmax(x, y, axisLength, inner, 1, total).step();
      case HARDMAX -> KernelCall.hardmax(x, y, axisLength, inner, total).step();
    };
  }
}
