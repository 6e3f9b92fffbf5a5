package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Operators whose output is the input's data under another shape: Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity and Dropout (a no-op at inference). They cost nothing at run time: the output
 * shares the input's buffer.
 */
final class ViewOp implements Operator {
  enum Kind {
    RESHAPE(
        "Reshape", "same data, new shape; 0 copies a dimension (unless allowzero), −1 is inferred"),
    FLATTEN("Flatten", "to 2-D: dimensions before axis × dimensions from axis"),
    SQUEEZE("Squeeze", "drops size-1 axes (all, or those listed)"),
    UNSQUEEZE("Unsqueeze", "inserts size-1 axes at the listed output positions"),
    IDENTITY("Identity", "the input itself"),
    DROPOUT("Dropout", "the input itself at inference (no mask output)");

    final String opType;
    final String summary;

    Kind(String opType, String summary) {
      this.opType = opType;
      this.summary = summary;
    }
  }

  private final Kind kind;

  ViewOp(Kind kind) {
    this.kind = kind;
  }

  @Override
  public OpSchema schema() {
    List<AttrSchema> attrs =
        switch (kind) {
          case RESHAPE ->
              List.of(new AttrSchema("allowzero", "int", "0", "1: a 0 in shape means size 0"));
          case FLATTEN ->
              List.of(new AttrSchema("axis", "int", "1", "split point, may be negative"));
          case SQUEEZE, UNSQUEEZE ->
              List.of(
                  new AttrSchema("axes", "ints", "", "attribute before opset 13, input from 13"));
          case IDENTITY -> List.of();
          case DROPOUT -> List.of(new AttrSchema("ratio", "float", "0.5", "ignored at inference"));
        };
    return new OpSchema(kind.opType, kind.summary, attrs, 1);
  }

  @Override
  public boolean aliasesInput() {
    return true;
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int[] out =
        switch (kind) {
          case RESHAPE -> reshape(ctx, x);
          case FLATTEN -> {
            int axis = (int) ctx.attrs().getInt("axis", 1);
            if (axis < 0) {
              axis += x.length;
            }
            if (axis < 0 || axis > x.length) {
              throw ctx.error(
                  "axis "
                      + ctx.attrs().getInt("axis", 1)
                      + " is out of range for rank "
                      + x.length);
            }
            yield new int[] {Shapes.product(x, 0, axis), Shapes.product(x, axis, x.length)};
          }
          case SQUEEZE -> squeeze(ctx, x);
          case UNSQUEEZE -> unsqueeze(ctx, x);
          case IDENTITY -> x;
          case DROPOUT -> {
            if (ctx.node().outputs().size() > 1 && !ctx.node().outputs().get(1).isEmpty()) {
              throw ctx.unsupported("the mask output is not supported");
            }
            if (ctx.hasInput(2)) {
              Tensor training = ctx.requireConstant(2, "training_mode");
              if (training.toLongs()[0] != 0) {
                throw ctx.unsupported("training mode is not supported");
              }
            }
            yield x;
          }
        };
    if (ctx.input(0).type() == DataType.INT64 && ctx.constant(0) == null) {
      throw ctx.unsupported("INT64 data computed at run time");
    }
    return List.of(ctx.output(0, ctx.input(0).type(), out));
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    Tensor x = inputs.get(0);
    int[] shape = outputs.get(0).shape();
    return List.of(
        x.type() == DataType.INT64
            ? Tensor.ofLongs(x.longs().clone(), shape)
            : Tensor.of(x.floats().clone(), shape));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    return loops -> {};
  }

  private static int[] reshape(NodeContext ctx, int[] x) {
    // before opset 5 the target shape was an attribute
    long[] target =
        ctx.opset() < 5 && ctx.attrs().has("shape")
            ? ctx.attrs().getInts("shape", null)
            : ctx.requireConstant(1, "shape").toLongs();
    boolean allowZero = ctx.attrs().getInt("allowzero", 0) != 0;
    int[] out = new int[target.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      long d = target[i];
      if (d == 0 && !allowZero) {
        if (i >= x.length) {
          throw ctx.error("shape has 0 at axis " + i + " but the input has rank " + x.length);
        }
        d = x[i];
      }
      if (d == -1) {
        if (infer >= 0) {
          throw ctx.error("shape " + Arrays.toString(target) + " has more than one −1");
        }
        infer = i;
        continue;
      }
      if (d < 0) {
        throw ctx.error("shape " + Arrays.toString(target) + " has a negative dimension");
      }
      out[i] = (int) d;
      known *= d;
    }
    int size = Shapes.size(x);
    if (infer >= 0) {
      if (known == 0 || size % known != 0) {
        throw ctx.error("cannot reshape " + Arrays.toString(x) + " to " + Arrays.toString(target));
      }
      out[infer] = (int) (size / known);
    } else if (known != size) {
      throw ctx.error("cannot reshape " + Arrays.toString(x) + " to " + Arrays.toString(target));
    }
    return out;
  }

  private static long[] axes(NodeContext ctx) {
    if (ctx.opset() >= 13) {
      return ctx.hasInput(1) ? ctx.requireConstant(1, "axes").toLongs() : null;
    }
    return ctx.attrs().getInts("axes", null);
  }

  private static int[] squeeze(NodeContext ctx, int[] x) {
    long[] axes = axes(ctx);
    boolean[] drop = new boolean[x.length];
    if (axes == null || axes.length == 0) {
      for (int i = 0; i < x.length; i++) {
        drop[i] = x[i] == 1;
      }
    } else {
      for (long a : axes) {
        int axis = normalise(ctx, a, x.length);
        if (x[axis] != 1) {
          throw ctx.error("cannot squeeze axis " + a + " of size " + x[axis]);
        }
        drop[axis] = true;
      }
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      if (!drop[i]) {
        out.add(x[i]);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] unsqueeze(NodeContext ctx, int[] x) {
    long[] axes = axes(ctx);
    if (axes == null) {
      throw ctx.error("axes are required");
    }
    int rank = x.length + axes.length;
    boolean[] inserted = new boolean[rank];
    for (long a : axes) {
      int axis = normalise(ctx, a, rank);
      if (inserted[axis]) {
        throw ctx.error("axis " + a + " is listed twice");
      }
      inserted[axis] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = inserted[i] ? 1 : x[j++];
    }
    return out;
  }

  static int normalise(NodeContext ctx, long axis, int rank) {
    try {
      return Shapes.axis(axis, rank, ctx.node().opType());
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
  }
}
