package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.List;

/** Element-wise unary operators, all on {@link ElementwiseKernels#activation}. */
final class ActivationOp implements Operator {

  /** One unary operator: its kernel code and where its two parameters come from. */
  record Spec(
      String opType,
      int code,
      String summary,
      String aName,
      float aDefault,
      String bName,
      float bDefault) {}

  static final List<Spec> SPECS =
      List.of(
          new Spec("Relu", Activation.RELU, "max(0, x)", null, 0, null, 0),
          new Spec(
              "LeakyRelu", Activation.LEAKY_RELU, "x < 0 ? alpha·x : x", "alpha", 0.01f, null, 0),
          new Spec("Sigmoid", Activation.SIGMOID, "1 / (1 + e^-x)", null, 0, null, 0),
          new Spec("Tanh", Activation.TANH, "tanh(x)", null, 0, null, 0),
          new Spec(
              "HardSigmoid",
              Activation.HARD_SIGMOID,
              "max(0, min(1, alpha·x + beta))",
              "alpha",
              0.2f,
              "beta",
              0.5f),
          new Spec(
              "HardSwish",
              Activation.HARD_SWISH,
              "x · max(0, min(1, x/6 + 1/2))",
              null,
              0,
              null,
              0),
          new Spec("Elu", Activation.ELU, "x < 0 ? alpha·(e^x − 1) : x", "alpha", 1f, null, 0),
          new Spec(
              "Selu",
              Activation.SELU,
              "gamma · (x < 0 ? alpha·(e^x − 1) : x)",
              "alpha",
              1.67326319217681884765625f,
              "gamma",
              1.05070102214813232421875f),
          new Spec("Softplus", Activation.SOFTPLUS, "ln(1 + e^x)", null, 0, null, 0),
          new Spec("Softsign", Activation.SOFTSIGN, "x / (1 + |x|)", null, 0, null, 0),
          new Spec(
              "ThresholdedRelu",
              Activation.THRESHOLDED_RELU,
              "x > alpha ? x : 0",
              "alpha",
              1f,
              null,
              0),
          new Spec("Exp", Activation.EXP, "e^x", null, 0, null, 0),
          new Spec("Neg", Activation.NEG, "−x", null, 0, null, 0),
          new Spec("Abs", Activation.ABS, "|x|", null, 0, null, 0),
          new Spec("Sqrt", Activation.SQRT, "√x", null, 0, null, 0),
          new Spec("Reciprocal", Activation.RECIPROCAL, "1 / x", null, 0, null, 0),
          new Spec(
              "Clip",
              Activation.CLIP,
              "min(max(x, min), max); min/max are attributes before opset 11, constant inputs after",
              "min",
              Float.NEGATIVE_INFINITY,
              "max",
              Float.POSITIVE_INFINITY));

  private final Spec spec;

  ActivationOp(Spec spec) {
    this.spec = spec;
  }

  @Override
  public OpSchema schema() {
    List<AttrSchema> attrs = new java.util.ArrayList<>();
    if (spec.aName != null) {
      attrs.add(new AttrSchema(spec.aName, "float", Float.toString(spec.aDefault), ""));
    }
    if (spec.bName != null) {
      attrs.add(new AttrSchema(spec.bName, "float", Float.toString(spec.bDefault), ""));
    }
    int since =
        switch (spec.opType) {
          case "HardSwish" -> 14;
          case "ThresholdedRelu" -> 10;
          default -> 1;
        };
    return new OpSchema(spec.opType, spec.summary, attrs, since);
  }

  /** The kernel code and parameters for this node, e.g. for fusing it into a convolution. */
  float[] parameters(NodeContext ctx) {
    float a = spec.aName == null ? 0 : ctx.attrs().getFloat(spec.aName, spec.aDefault);
    float b = spec.bName == null ? 0 : ctx.attrs().getFloat(spec.bName, spec.bDefault);
    if (spec.code == Activation.CLIP && ctx.opset() >= 11) {
      a = bound(ctx, 1, spec.aDefault);
      b = bound(ctx, 2, spec.bDefault);
    }
    return new float[] {a, b};
  }

  int code() {
    return spec.code;
  }

  private static float bound(NodeContext ctx, int input, float fallback) {
    if (!ctx.hasInput(input)) {
      return fallback;
    }
    Tensor t = ctx.constant(input);
    if (t == null) {
      return Float.NaN; // read from its buffer at run time
    }
    if (t.size() != 1) {
      throw ctx.error("Clip bounds must be scalars");
    }
    return t.toFloats()[0];
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    if (ctx.input(0).type() != DataType.FLOAT32) {
      if (ctx.constant(0) == null) {
        throw ctx.unsupported("INT64 input computed at run time");
      }
    }
    float[] p = parameters(ctx);
    if ((Float.isNaN(p[0]) || Float.isNaN(p[1])) && ctx.input(0).type() != DataType.FLOAT32) {
      throw ctx.unsupported("INT64 data with run-time bounds");
    }
    for (int i = 1; i < 3; i++) {
      if (ctx.hasInput(i) && Shapes.size(ctx.shape(i)) != 1) {
        throw ctx.error("Clip bounds must be scalars");
      }
    }
    return List.of(ctx.output(0, ctx.input(0).type(), ctx.shape(0)));
  }

  @Override
  public List<Tensor> evaluate(NodeContext ctx, List<Tensor> inputs, List<ValueInfo> outputs) {
    if (inputs.get(0).type() == DataType.INT64) {
      // shape arithmetic occasionally clips or negates int64 values
      float[] p = parameters(ctx);
      long[] x = inputs.get(0).longs();
      long[] y = new long[x.length];
      for (int i = 0; i < x.length; i++) {
        y[i] = (long) Activation.apply(spec.code, x[i], p[0], p[1]);
      }
      return List.of(Tensor.ofLongs(y, inputs.get(0).shape()));
    }
    return Operator.super.evaluate(ctx, inputs, outputs);
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    float[] params = parameters(ctx);
    float[] x = in[0];
    float[] y = out[0];
    int n = Shapes.size(ctx.shape(0));
    boolean runtimeMin = Float.isNaN(params[0]);
    boolean runtimeMax = Float.isNaN(params[1]);
    if (!runtimeMin && !runtimeMax) {
      return KernelCall.activation(x, y, spec.code, params[0], params[1], n).step();
    }
    // Clip with a bound computed at run time: the kernel reads it from its one-element buffer
    float[] min = runtimeMin ? in[1] : new float[] {params[0]};
    float[] max = runtimeMax ? in[2] : new float[] {params[1]};
    return KernelCall.clip(x, y, min, max, n).step();
  }
}
