package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Shapes;
import java.util.List;

/**
 * BatchNormalization at inference: {@code y = scale·(x − mean)/√(var + ε) + B} per channel. Usually
 * folded into the preceding Conv at load; this runs the ones that are not.
 */
final class BatchNormOp implements Operator {

  @Override
  public OpSchema schema() {
    return new OpSchema(
        "BatchNormalization",
        "inference-mode normalisation with running mean and variance, per channel (axis 1)",
        List.of(
            new AttrSchema("epsilon", "float", "1e-5", "added to the variance"),
            new AttrSchema("momentum", "float", "0.9", "ignored at inference"),
            new AttrSchema("training_mode", "int", "0", "must be 0"),
            new AttrSchema("spatial", "int", "1", "opset < 9; must be 1")),
        1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    ctx.requireFloat(0);
    if (ctx.attrs().getInt("training_mode", 0) != 0 || ctx.node().outputs().size() > 1) {
      throw ctx.unsupported("training mode (running statistics outputs) is not supported");
    }
    if (ctx.attrs().getInt("spatial", 1) != 1) {
      throw ctx.unsupported("spatial=0 is not supported");
    }
    int[] x = ctx.shape(0);
    if (x.length < 2) {
      throw ctx.error("input must have a channel axis");
    }
    for (int i = 1; i <= 4; i++) {
      int[] p = ctx.shape(i);
      if (Shapes.size(p) != x[1]) {
        throw ctx.error("input " + i + " must have one value per channel (" + x[1] + ")");
      }
    }
    return List.of(ctx.floatOutput(x));
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    int[] x = ctx.shape(0);
    int channels = x[1];
    int spatial = Shapes.product(x, 2, x.length);
    float eps = ctx.attrs().getFloat("epsilon", 1e-5f);
    float[] xs = in[0];
    float[] scale = in[1];
    float[] bias = in[2];
    float[] mean = in[3];
    float[] var = in[4];
    float[] y = out[0];
    int total = x[0] * channels;
    return KernelCall.batchNorm(xs, scale, bias, mean, var, y, eps, channels, spatial, total)
        .step();
  }
}
