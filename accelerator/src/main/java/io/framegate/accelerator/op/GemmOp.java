package io.framegate.accelerator.op;

import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.GemmKernels;
import io.framegate.accelerator.tensor.Shapes;
import java.util.Arrays;
import java.util.List;

/** Gemm ({@code Y = α·A'·B' + β·C}) and MatMul (numpy matmul with batch broadcasting). */
final class GemmOp implements Operator {
  private final boolean matmul;

  GemmOp(boolean matmul) {
    this.matmul = matmul;
  }

  @Override
  public OpSchema schema() {
    if (matmul) {
      return new OpSchema(
          "MatMul",
          "numpy matmul: 1-D operands promoted, batch dimensions broadcast",
          List.of(),
          1);
    }
    return new OpSchema(
        "Gemm",
        "Y = alpha·A'·B' + beta·C, C broadcast to M×N",
        List.of(
            new AttrSchema("alpha", "float", "1.0", "scale of A'·B'"),
            new AttrSchema("beta", "float", "1.0", "scale of C"),
            new AttrSchema("transA", "int", "0", "1: A is K×M"),
            new AttrSchema("transB", "int", "0", "1: B is N×K")),
        1);
  }

  @Override
  public List<ValueInfo> infer(NodeContext ctx) {
    ctx.requireFloat(0);
    ctx.requireFloat(1);
    return List.of(ctx.floatOutput(matmul ? matmulPlan(ctx).outShape : gemmGeometry(ctx)[1]));
  }

  private int[][] gemmGeometry(NodeContext ctx) {
    int[] a = ctx.shape(0);
    int[] b = ctx.shape(1);
    if (a.length != 2 || b.length != 2) {
      throw ctx.error(
          "A and B must be matrices, are " + Arrays.toString(a) + " and " + Arrays.toString(b));
    }
    boolean ta = ctx.attrs().getInt("transA", 0) != 0;
    boolean tb = ctx.attrs().getInt("transB", 0) != 0;
    int m = ta ? a[1] : a[0];
    int k = ta ? a[0] : a[1];
    int kb = tb ? b[1] : b[0];
    int n = tb ? b[0] : b[1];
    if (k != kb) {
      throw ctx.error("inner dimensions differ: A' is " + m + "×" + k + ", B' is " + kb + "×" + n);
    }
    int[] g = new int[GemmKernels.GEOMETRY_LENGTH];
    g[GemmKernels.M] = m;
    g[GemmKernels.N] = n;
    g[GemmKernels.K] = k;
    g[GemmKernels.TRANS_A] = ta ? 1 : 0;
    g[GemmKernels.TRANS_B] = tb ? 1 : 0;
    if (ctx.hasInput(2)) {
      int[] c = ctx.shape(2);
      int[] out = {m, n};
      try {
        if (!Arrays.equals(Shapes.broadcast(c, out), out)) {
          throw new IllegalArgumentException(
              "C of shape " + Arrays.toString(c) + " does not broadcast to " + m + "×" + n);
        }
      } catch (IllegalArgumentException e) {
        throw ctx.error(e.getMessage());
      }
      int[] s = Shapes.broadcastStrides(c, out);
      g[GemmKernels.HAS_C] = 1;
      g[GemmKernels.C_ROW_STRIDE] = s[0];
      g[GemmKernels.C_COL_STRIDE] = s[1];
    }
    return new int[][] {g, {m, n}};
  }

  private record MatMulPlan(int[] outShape, int[] aOffsets, int[] bOffsets, int m, int n, int k) {}

  private MatMulPlan matmulPlan(NodeContext ctx) {
    int[] a = ctx.shape(0);
    int[] b = ctx.shape(1);
    if (a.length == 0 || b.length == 0) {
      throw ctx.error("MatMul operands must have rank ≥ 1");
    }
    boolean aVector = a.length == 1;
    boolean bVector = b.length == 1;
    int[] a2 = aVector ? new int[] {1, a[0]} : a;
    int[] b2 = bVector ? new int[] {b[0], 1} : b;
    int m = a2[a2.length - 2];
    int k = a2[a2.length - 1];
    int n = b2[b2.length - 1];
    if (b2[b2.length - 2] != k) {
      throw ctx.error(
          "inner dimensions differ: " + Arrays.toString(a) + " · " + Arrays.toString(b));
    }
    int[] aBatch = Arrays.copyOf(a2, a2.length - 2);
    int[] bBatch = Arrays.copyOf(b2, b2.length - 2);
    int[] batch;
    try {
      batch = Shapes.broadcast(aBatch, bBatch);
    } catch (IllegalArgumentException e) {
      throw ctx.error(e.getMessage());
    }
    int batches = Shapes.size(batch);
    int[] sa = Shapes.broadcastStrides(aBatch, batch);
    int[] sb = Shapes.broadcastStrides(bBatch, batch);
    int[] so = Shapes.strides(batch);
    int[] aOff = new int[batches];
    int[] bOff = new int[batches];
    for (int t = 0; t < batches; t++) {
      int rem = t;
      int oa = 0;
      int ob = 0;
      for (int d = 0; d < batch.length; d++) {
        int idx = rem / so[d];
        rem -= idx * so[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      aOff[t] = oa * m * k;
      bOff[t] = ob * k * n;
    }
    int[] out = Arrays.copyOf(batch, batch.length + 2);
    out[batch.length] = m;
    out[batch.length + 1] = n;
    if (aVector && bVector) {
      out = new int[0];
    } else if (aVector) {
      out = dropAxis(out, batch.length);
    } else if (bVector) {
      out = dropAxis(out, batch.length + 1);
    }
    return new MatMulPlan(out, aOff, bOff, m, n, k);
  }

  private static int[] dropAxis(int[] shape, int axis) {
    int[] out = new int[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != axis) {
        out[j++] = shape[i];
      }
    }
    return out;
  }

  @Override
  public Step compile(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    float[] a = in[0];
    float[] b = in[1];
    float[] y = out[0];
    if (matmul) {
      MatMulPlan p = matmulPlan(ctx);
      int[] ao = p.aOffsets;
      int[] bo = p.bOffsets;
      int m = p.m;
      int n = p.n;
      int k = p.k;
      int total = ao.length * m;
      return KernelCall.matmul(a, b, y, ao, bo, m, n, k, total).step();
    }
    int[] g = gemmGeometry(ctx)[0];
    float[] c = in.length > 2 && in[2] != null ? in[2] : new float[1];
    float alpha = ctx.attrs().getFloat("alpha", 1f);
    float beta = ctx.attrs().getFloat("beta", 1f);
    int rows = g[GemmKernels.M];
    return KernelCall.gemm(a, b, c, y, g, alpha, beta, rows).step();
  }
}
