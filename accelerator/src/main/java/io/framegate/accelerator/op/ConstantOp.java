package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.proto.onnx.TensorProto;
import java.util.Arrays;
import java.util.List;

/**
 * Operators whose result is known once shapes are: Constant, Shape, ConstantOfShape, and Cast
 * between the engine's two types. Folded away at load; they never run in a plan.
 */
final class ConstantOp implements Operator {
  enum Kind {
    CONSTANT("Constant", "a constant tensor (value, value_float(s), value_int(s))"),
    SHAPE("Shape", "the input's shape as INT64 (start/end from opset 15)"),
    CONSTANT_OF_SHAPE("ConstantOfShape", "a tensor of the given shape filled with value"),
    CAST("Cast", "converts between FLOAT (all float types) and INT64 (all integer types)");

    final String opType;
    final String summary;

    Kind(String opType, String summary) {
      this.opType = opType;
      this.summary = summary;
    }
  }

  private final Kind kind;

  ConstantOp(Kind kind) {
    this.kind = kind;
  }

  @Override
  public OpSchema schema() {
    List<AttrSchema> attrs =
        switch (kind) {
          case CONSTANT ->
              List.of(new AttrSchema("value", "tensor", "", "or value_float(s)/value_int(s)"));
          case SHAPE ->
              List.of(
                  new AttrSchema("start", "int", "0", "first axis"),
                  new AttrSchema("end", "int", "rank", "one past the last axis"));
          case CONSTANT_OF_SHAPE ->
              List.of(new AttrSchema("value", "tensor", "0.0f", "the fill value"));
          case CAST -> List.of(new AttrSchema("to", "int", "required", "an ONNX element type"));
        };
    return new OpSchema(kind.opType, kind.summary, attrs, kind == Kind.CONSTANT_OF_SHAPE ? 9 : 1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    return switch (kind) {
      case CONSTANT -> throw ctx.error("Constant nodes are read as constants by the importer");
      case SHAPE -> List.of(ctx.output(0, DataType.INT64, shapeSlice(ctx).length));
      case CONSTANT_OF_SHAPE -> {
        Tensor fill = fill(ctx);
        yield List.of(ctx.output(0, fill.type(), target(ctx)));
      }
      case CAST -> {
        DataType to = castTarget(ctx);
        if (to != ctx.input(0).type() && ctx.constant(0) == null) {
          throw ctx.unsupported("a cast to " + to + " of data computed at run time");
        }
        yield List.of(ctx.output(0, to, ctx.shape(0)));
      }
    };
  }

  @Override
  public boolean foldsFromShapes() {
    return kind == Kind.SHAPE;
  }

  @Override
  public boolean aliasesInput() {
    return kind == Kind.CAST;
  }

  private static long[] shapeSlice(NodeContext ctx) {
    int[] x = ctx.shape(0);
    int r = x.length;
    long start = ctx.attrs().getInt("start", 0);
    long end = ctx.attrs().getInt("end", r);
    start = Math.clamp(start < 0 ? start + r : start, 0, r);
    end = Math.clamp(end < 0 ? end + r : end, 0, r);
    long[] out = new long[(int) Math.max(0, end - start)];
    for (int i = 0; i < out.length; i++) {
      out[i] = x[(int) start + i];
    }
    return out;
  }

  private static int[] target(NodeContext ctx) {
    long[] s = ctx.requireConstant(0, "shape").toLongs();
    for (long d : s) {
      if (d < 0) {
        throw ctx.error("shape " + Arrays.toString(s) + " has a negative dimension");
      }
    }
    return StridedOp.toInts(s);
  }

  private static Tensor fill(NodeContext ctx) {
    Tensor v = ctx.attrs().getTensor("value");
    return v == null ? Tensor.of(new float[] {0f}, 1) : v;
  }

  private static DataType castTarget(NodeContext ctx) {
    if (!ctx.attrs().has("to")) {
      throw ctx.error("attribute 'to' is required");
    }
    int to = (int) ctx.attrs().getInt("to", 0);
    return switch (to) {
      case TensorProto.DataType.FLOAT_VALUE,
          TensorProto.DataType.DOUBLE_VALUE,
          TensorProto.DataType.FLOAT16_VALUE,
          TensorProto.DataType.BFLOAT16_VALUE ->
          DataType.FLOAT32;
      case TensorProto.DataType.INT64_VALUE,
          TensorProto.DataType.INT32_VALUE,
          TensorProto.DataType.INT16_VALUE,
          TensorProto.DataType.INT8_VALUE,
          TensorProto.DataType.UINT8_VALUE,
          TensorProto.DataType.UINT16_VALUE,
          TensorProto.DataType.UINT32_VALUE,
          TensorProto.DataType.BOOL_VALUE ->
          DataType.INT64;
      default -> throw ctx.unsupported("cast to element type " + to + " is not supported");
    };
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    return switch (kind) {
      case CONSTANT -> throw ctx.error("Constant nodes are read as constants by the importer");
      case SHAPE -> {
        long[] s = shapeSlice(ctx);
        yield List.of(Tensor.ofLongs(s, s.length));
      }
      case CONSTANT_OF_SHAPE -> {
        int[] shape = target(ctx);
        Tensor fill = fill(ctx);
        int n = Shapes.size(shape);
        if (fill.type() == DataType.INT64) {
          long[] v = new long[n];
          Arrays.fill(v, fill.longs()[0]);
          yield List.of(Tensor.ofLongs(v, shape));
        }
        float[] v = new float[n];
        Arrays.fill(v, fill.floats()[0]);
        yield List.of(Tensor.of(v, shape));
      }
      case CAST -> {
        Tensor x = inputs.get(0);
        int[] shape = x.shape();
        boolean toBool = ctx.attrs().getInt("to", 0) == TensorProto.DataType.BOOL_VALUE;
        if (castTarget(ctx) == DataType.FLOAT32) {
          yield List.of(Tensor.of(x.toFloats(), shape));
        }
        long[] v = x.toLongs();
        if (toBool) {
          float[] f = x.toFloats();
          for (int i = 0; i < v.length; i++) {
            v[i] = f[i] != 0 ? 1 : 0;
          }
        }
        yield List.of(Tensor.ofLongs(v, shape));
      }
    };
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    if (kind == Kind.CAST) {
      return loops -> {}; // FLOAT to FLOAT at run time: the output aliases the input
    }
    throw ctx.error("is folded at load and never runs in a plan");
  }
}
