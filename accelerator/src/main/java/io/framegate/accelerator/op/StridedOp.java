package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.LayoutKernels;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Transpose, Slice and Expand: each output element reads the input at {@code offset + Σ
 * idx_d·stride_d}, one {@link LayoutKernels#gather} with geometry computed at load (strides may be
 * negative or zero).
 */
final class StridedOp implements Operator {
  enum Kind {
    TRANSPOSE("Transpose", "permutes axes (default: reverses them)"),
    SLICE("Slice", "starts/ends/axes/steps, negative steps included (attributes before opset 10)"),
    EXPAND("Expand", "broadcasts to a shape");

    final String opType;
    final String summary;

    Kind(String opType, String summary) {
      this.opType = opType;
      this.summary = summary;
    }
  }

  /** Where each output element comes from. */
  record View(int offset, int[] shape, int[] strides) {
    int[] geometry() {
      int r = shape.length;
      int[] g = new int[2 + 2 * r];
      g[0] = r;
      g[1] = offset;
      System.arraycopy(shape, 0, g, 2, r);
      System.arraycopy(strides, 0, g, 2 + r, r);
      return g;
    }

    int source(int i) {
      int at = offset;
      for (int d = shape.length - 1; d >= 0; d--) {
        int idx = i % shape[d];
        i /= shape[d];
        at += idx * strides[d];
      }
      return at;
    }
  }

  private final Kind kind;

  StridedOp(Kind kind) {
    this.kind = kind;
  }

  @Override
  public OpSchema schema() {
    List<AttrSchema> attrs =
        switch (kind) {
          case TRANSPOSE ->
              List.of(
                  new AttrSchema(
                      "perm", "ints", "reversed axes", "output axis i reads input axis perm[i]"));
          case SLICE ->
              List.of(
                  new AttrSchema(
                      "starts, ends, axes",
                      "ints",
                      "",
                      "attributes before opset 10, inputs after (with steps)"));
          case EXPAND -> List.of();
        };
    return new OpSchema(kind.opType, kind.summary, attrs, kind == Kind.EXPAND ? 8 : 1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    if (ctx.input(0).type() == DataType.INT64 && ctx.constant(0) == null) {
      throw ctx.unsupported("INT64 data computed at run time");
    }
    return List.of(ctx.output(0, ctx.input(0).type(), view(ctx).shape));
  }

  View view(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int[] strides = Shapes.strides(x);
    return switch (kind) {
      case TRANSPOSE -> {
        long[] perm = ctx.attrs().getInts("perm", null);
        int r = x.length;
        int[] shape = new int[r];
        int[] s = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
          int p = perm == null ? r - 1 - i : (int) perm[i];
          if (perm != null && perm.length != r || p < 0 || p >= r || seen[p]) {
            throw ctx.error(
                "perm " + Arrays.toString(perm) + " is not a permutation of " + r + " axes");
          }
          seen[p] = true;
          shape[i] = x[p];
          s[i] = strides[p];
        }
        yield new View(0, shape, s);
      }
      case EXPAND -> {
        int[] target = toInts(ctx.requireConstant(1, "shape").toLongs());
        int[] out;
        try {
          out = Shapes.broadcast(x, target);
        } catch (IllegalArgumentException e) {
          throw ctx.error(e.getMessage());
        }
        yield new View(0, out, Shapes.broadcastStrides(x, out));
      }
      case SLICE -> slice(ctx, x, strides);
    };
  }

  private static View slice(NodeContext ctx, int[] x, int[] strides) {
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    if (ctx.opset() < 10) {
      starts = ctx.attrs().getInts("starts", null);
      ends = ctx.attrs().getInts("ends", null);
      axes = ctx.attrs().getInts("axes", null);
    } else {
      starts = ctx.requireConstant(1, "starts").toLongs();
      ends = ctx.requireConstant(2, "ends").toLongs();
      axes = ctx.hasInput(3) ? ctx.requireConstant(3, "axes").toLongs() : null;
      steps = ctx.hasInput(4) ? ctx.requireConstant(4, "steps").toLongs() : null;
    }
    if (starts == null || ends == null || starts.length != ends.length) {
      throw ctx.error("starts and ends must be given with the same length");
    }
    int r = x.length;
    int[] shape = x.clone();
    int[] s = strides.clone();
    int offset = 0;
    boolean[] seen = new boolean[r];
    for (int i = 0; i < starts.length; i++) {
      int axis = ViewOp.normalise(ctx, axes == null ? i : axes[i], r);
      if (seen[axis]) {
        throw ctx.error("axis " + axis + " is sliced twice");
      }
      seen[axis] = true;
      long step = steps == null ? 1 : steps[i];
      if (step == 0) {
        throw ctx.error("steps must not be 0");
      }
      long dim = x[axis];
      long start = starts[i] < 0 ? starts[i] + dim : starts[i];
      long end = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (step > 0) {
        start = Math.clamp(start, 0, dim);
        end = Math.clamp(end, 0, dim);
        count = end > start ? (end - start + step - 1) / step : 0;
      } else {
        start = Math.clamp(start, 0, dim - 1);
        end = Math.clamp(end, -1, dim - 1);
        count = start > end ? (start - end - step - 1) / -step : 0;
      }
      shape[axis] = (int) count;
      if (count > 0) {
        offset += (int) start * strides[axis];
      }
      s[axis] = (int) (strides[axis] * step);
    }
    return new View(offset, shape, s);
  }

  static int[] toInts(long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.toIntExact(v[i]);
    }
    return out;
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    Tensor x = inputs.get(0);
    if (x.type() != DataType.INT64) {
      return Operator.super.evaluate(ctx, inputs, outputs);
    }
    View v = view(ctx);
    long[] src = x.longs();
    long[] y = new long[Shapes.size(v.shape)];
    for (int i = 0; i < y.length; i++) {
      y[i] = src[v.source(i)];
    }
    return List.of(Tensor.ofLongs(y, v.shape));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    View v = view(ctx);
    int[] g = v.geometry();
    float[] x = in[0];
    float[] y = out[0];
    int n = Shapes.size(v.shape);
    return KernelCall.gather(x, y, g, n).step();
  }
}
