package io.framegate.accelerator.vector;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.kernel.ElementwiseKernels;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operator;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.op.Window;
import io.framegate.accelerator.plan.JvmPlan;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Compiles the nodes the fast backend accelerates (convolutions, fully connected layers,
 * element-wise activations and sums, windowed and global pooling, concatenation) to Vector API
 * steps, or to copies split over the workers, and leaves every other node to the reference kernels.
 * One instance per plan: its workspace is the plan's scratch.
 */
final class VectorStepCompiler implements JvmPlan.StepCompiler {
  private final Workspace ws;

  /** Values stored in the blocked layout (see {@link BlockedLayout}). */
  private Set<String> blocked = Set.of();

  VectorStepCompiler(int threads) {
    this.ws = new Workspace(threads);
  }

  @Override
  public void prepare(Graph graph) {
    blocked = BlockedLayout.plan(graph);
    int[] floats = BlockedLayout.conversionFloats(graph, blocked);
    for (int i = 0; i < floats.length; i++) {
      ws.requireLayout(i, floats[i]);
    }
  }

  /** A blocked value whose channels do not fill whole vectors holds its last block's padding. */
  @Override
  public int floats(Graph graph, String value) {
    int[] s = graph.value(value).shape();
    if (blocked.contains(value) && !Blocked.fits(s[1])) {
      return s[0] * Blocked.padded(s[1]) * s[2] * s[3];
    }
    return Shapes.size(s);
  }

  @Override
  public Step compile(
      Operator op, NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Step fast = fast(ctx, outputs, in, out);
    return fast != null ? fast : op.compile(ctx, outputs, in, out);
  }

  private Step fast(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Node node = ctx.node();
    String type = node.opType();
    if (node.domain().equals(Operators.INTERNAL_DOMAIN)) {
      return type.equals("FusedConv") ? conv(ctx, outputs, in, out, true) : null;
    }
    if (!node.domain().isEmpty()) {
      return null;
    }
    return switch (type) {
      case "Conv" -> conv(ctx, outputs, in, out, false);
      case "Gemm" -> gemm(ctx, outputs, in, out);
      case "MatMul" -> matmul(ctx, outputs, in, out);
      case "GlobalAveragePool", "GlobalMaxPool" -> {
        // a blocked input is read in place; the N×C×1×1 output is the same in both layouts
        boolean blockedIn = blocked.contains(node.input(0));
        yield inLayout(
            ctx,
            outputs,
            in,
            out,
            blockedIn,
            blockedIn,
            false,
            (i, o) -> globalPool(ctx, i, o, type, blockedIn));
      }
      case "MaxPool", "AveragePool" -> {
        // the kernel takes its input's layout: where the output's differs, the conversion copies
        // the output, which a strided pooling makes several times smaller than the input
        boolean kernelBlocked = blocked.contains(node.input(0)) && ctx.shape(0).length == 4;
        yield inLayout(
            ctx,
            outputs,
            in,
            out,
            kernelBlocked,
            false,
            true,
            (i, o) -> pool(ctx, i, o, type.equals("MaxPool"), kernelBlocked));
      }
      case "Add", "Sub", "Mul" -> binary(ctx, outputs, in, out, type);
      case "Softmax" -> softmax(ctx, in, out);
      case "Concat" -> concat(ctx, outputs, in, out);
      default -> activation(ctx, in, out);
    };
  }

  /** Builds a step over the given input and output arrays. */
  @FunctionalInterface
  private interface StepFactory {
    Step make(float[][] in, float[][] out);
  }

  /**
   * A step whose kernel wants input 0 (unless it reads it {@code inPlace} in either layout), input
   * 3 (a residual) and, if {@code spatialOut}, output 0 in the blocked layout ({@code
   * kernelBlocked}) or in the plain one: where the stored layout differs, the kernel gets a layout
   * buffer instead, filled by a copy before it runs or copied out after. Tensors with one position
   * per channel are the same in both layouts. Returns null when the factory does.
   */
  private Step inLayout(
      NodeContext ctx,
      List<ValueInfo> outputs,
      float[][] in,
      float[][] out,
      boolean kernelBlocked,
      boolean inPlace,
      boolean spatialOut,
      StepFactory factory) {
    Node node = ctx.node();
    if (!touchesBlocked(ctx) && !kernelBlocked) {
      return factory.make(in, out);
    }
    float[][] kin = in.clone();
    float[][] kout = out.clone();
    List<LayoutStep.Copy> before = new ArrayList<>();
    List<LayoutStep.Copy> after = new ArrayList<>();
    int[] inputs = node.inputs().size() > 3 ? new int[] {0, 3} : new int[] {0};
    for (int i : inputs) {
      if (!ctx.hasInput(i) || (i == 0 && kernelBlocked && inPlace)) {
        continue;
      }
      int[] shape = ctx.shape(i);
      if (blocked.contains(node.input(i)) != kernelBlocked && spatial(shape)) {
        kin[i] = ws.layout(i == 0 ? 0 : 1);
        before.add(copy(in[i], kin[i], shape, kernelBlocked));
      }
    }
    int[] yShape = outputs.get(0).shape();
    if (spatialOut && blocked.contains(node.outputs().get(0)) != kernelBlocked && spatial(yShape)) {
      kout[0] = ws.layout(2);
      after.add(copy(kout[0], out[0], yShape, !kernelBlocked));
    }
    Step step = factory.make(kin, kout);
    if (step == null || (before.isEmpty() && after.isEmpty())) {
      return step;
    }
    return new LayoutStep(before, step, after);
  }

  /** Whether input 0, input 3 (a residual) or output 0 of the node is stored blocked. */
  private boolean touchesBlocked(NodeContext ctx) {
    Node node = ctx.node();
    boolean touches = blocked.contains(node.input(0)) || blocked.contains(node.outputs().get(0));
    if (node.inputs().size() > 3 && ctx.hasInput(3)) {
      touches |= blocked.contains(node.input(3));
    }
    return touches;
  }

  /** A 4-D tensor with more than one position per channel: its two layouts differ. */
  private static boolean spatial(int[] shape) {
    return shape.length == 4 && shape[2] * shape[3] > 1;
  }

  private static LayoutStep.Copy copy(float[] src, float[] dst, int[] shape, boolean toBlocked) {
    return new LayoutStep.Copy(
        src, dst, shape[2] * shape[3], shape[0] * shape[1] / Blocked.VL, toBlocked);
  }

  private Step conv(
      NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out, boolean fused) {
    if (ctx.constant(1) == null || (ctx.hasInput(2) && ctx.constant(2) == null)) {
      return null;
    }
    ConvGeometry g = ConvGeometry.of(ctx);
    if (g == null) {
      return null;
    }
    int act = Activation.NONE;
    float p = 0;
    float q = 0;
    if (fused) {
      act = (int) ctx.attrs().getInt("activation", Activation.NONE);
      p = ctx.attrs().getFloat("alpha", 0);
      q = ctx.attrs().getFloat("beta", 0);
    }
    float[] w = in[1];
    float[] bias = ctx.hasInput(2) ? in[2] : null;
    boolean hasRes = fused && ctx.hasInput(3);
    int a = act;
    float pp = p;
    float qq = q;
    boolean xBlocked = blocked.contains(ctx.node().input(0));
    String yName = ctx.node().outputs().get(0);
    boolean yBlocked = blocked.contains(yName);
    if (!g.depthwise() && g.groups() == 1 && ctx.shape(0).length == 4) {
      // Winograd and the direct convolution read x in place and write y in whichever layout each
      // is stored in; the direct one is faster than lowering even between plain tensors, and
      // writes a plain output of any channel count (MobileNetV2's 24 on 16-float vectors)
      float[] res = hasRes ? in[3] : null;
      List<LayoutStep.Copy> before = new ArrayList<>();
      if (hasRes && blocked.contains(ctx.node().input(3)) != yBlocked && spatial(ctx.shape(3))) {
        res = ws.layout(1);
        before.add(copy(in[3], res, ctx.shape(3), yBlocked));
      }
      // Winograd reads and writes whole channel blocks only, and writes a plain output of any
      // channel count from a plain input only
      boolean winograd =
          WinogradStep.suits(g)
              && (Blocked.fits(g.c()) || !xBlocked)
              && (Blocked.fits(g.m()) || !(xBlocked || yBlocked));
      Step step =
          winograd
              ? new WinogradStep(
                  g,
                  WinogradStep.tileFor(g),
                  in[0],
                  xBlocked,
                  w,
                  bias,
                  res,
                  out[0],
                  yBlocked,
                  a,
                  pp,
                  qq,
                  ws)
              : new BlockedConvStep(
                  g, in[0], xBlocked, w, bias, res, out[0], yBlocked, a, pp, qq, ws, false);
      return before.isEmpty() ? step : new LayoutStep(before, step, List.of());
    }
    if (g.depthwise() && Blocked.fits(g.c()) && ctx.shape(0).length == 4 && touchesBlocked(ctx)) {
      return inLayout(
          ctx,
          outputs,
          in,
          out,
          true,
          false,
          true,
          (i, o) ->
              new BlockedDepthwiseStep(
                  g, i[0], w, bias, hasRes ? i[3] : null, o[0], a, pp, qq, ws));
    }
    return inLayout(
        ctx,
        outputs,
        in,
        out,
        false,
        false,
        true,
        (i, o) -> {
          float[] res = hasRes ? i[3] : null;
          if (g.depthwise()) {
            return new DepthwiseStep(g, i[0], w, bias, res, o[0], a, pp, qq, ws);
          }
          if (WinogradStep.suits(g)) {
            int tile = WinogradStep.tileFor(g);
            return new WinogradStep(g, tile, i[0], false, w, bias, res, o[0], false, a, pp, qq, ws);
          }
          return new ConvStep(g, i[0], w, bias, res, o[0], a, pp, qq, ws);
        });
  }

  /** Gemm with constant B: Y = α·A·B' + β·C, A not transposed. */
  private Step gemm(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Tensor b = ctx.constant(1);
    if (b == null
        || b.type() != DataType.FLOAT32
        || ctx.attrs().getInt("transA", 0) != 0
        || ctx.shape(0).length != 2
        || b.shape().length != 2) {
      return null;
    }
    boolean transB = ctx.attrs().getInt("transB", 0) != 0;
    int m = ctx.shape(0)[0];
    int k = ctx.shape(0)[1];
    int n = transB ? b.shape()[0] : b.shape()[1];
    float[] wt = transB ? b.floats() : transpose(b.floats(), k, n);
    float[] c = null;
    int cRow = 0;
    int cCol = 0;
    if (ctx.hasInput(2)) {
      int[] strides = Shapes.broadcastStrides(ctx.shape(2), new int[] {m, n});
      cRow = strides[0];
      cCol = strides[1];
      c = in[2];
    }
    return dense(
        in[0],
        wt,
        out[0],
        m,
        n,
        k,
        ctx.attrs().getFloat("alpha", 1f),
        ctx.attrs().getFloat("beta", 1f),
        c,
        cRow,
        cCol);
  }

  /** MatMul of rows (any leading dimensions) by a constant matrix. */
  private Step matmul(NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    Tensor b = ctx.constant(1);
    int[] a = ctx.shape(0);
    if (b == null || b.type() != DataType.FLOAT32 || b.shape().length != 2 || a.length < 1) {
      return null;
    }
    int k = a[a.length - 1];
    int n = b.shape()[1];
    int m = Shapes.size(a) / k;
    return dense(in[0], transpose(b.floats(), k, n), out[0], m, n, k, 1f, 0f, null, 0, 0);
  }

  private static Step dense(
      float[] x,
      float[] wt,
      float[] y,
      int m,
      int n,
      int k,
      float alpha,
      float beta,
      float[] c,
      int cRow,
      int cCol) {
    Loops.Range body =
        (lo, hi) ->
            DenseKernels.rows(
                x, wt, y, m, n, k, alpha, beta, c, cRow, cCol, lo * 4, Math.min(n, hi * 4));
    int quads = (n + 3) / 4;
    return loops -> loops.forRange(quads, body);
  }

  private static float[] transpose(float[] b, int rows, int cols) {
    float[] t = new float[b.length];
    for (int r = 0; r < rows; r++) {
      for (int col = 0; col < cols; col++) {
        t[col * rows + r] = b[r * cols + col];
      }
    }
    return t;
  }

  private static Step globalPool(
      NodeContext ctx, float[][] in, float[][] out, String type, boolean blockedIn) {
    int[] shape = ctx.shape(0);
    if (shape.length < 3) {
      return null;
    }
    int planes = shape[0] * shape[1];
    int spatial = Shapes.product(shape, 2, shape.length);
    boolean max = type.equals("GlobalMaxPool");
    float[] x = in[0];
    float[] y = out[0];
    if (blockedIn) {
      int blocks = planes / Blocked.VL;
      Loops.Range body = (lo, hi) -> BlockedGlobalPool.globalPool(x, y, spatial, max, lo, hi);
      return loops -> loops.forRange(blocks, body);
    }
    Loops.Range body = (lo, hi) -> ElementwiseVector.globalPool(x, y, spatial, max, lo, hi);
    return loops -> loops.forRange(planes, body);
  }

  /** 1-D and 2-D MaxPool and AveragePool (3-D pooling runs the reference kernel). */
  private Step pool(NodeContext ctx, float[][] in, float[][] out, boolean max, boolean blocked) {
    int[] x = ctx.shape(0);
    long[] ks = ctx.attrs().getInts("kernel_shape", null);
    int spatial = x.length - 2;
    if (ctx.input(0).type() != DataType.FLOAT32
        || spatial < 1
        || spatial > 2
        || ks == null
        || ks.length != spatial) {
      return null;
    }
    int[] kernel = new int[spatial];
    for (int i = 0; i < spatial; i++) {
      kernel[i] = Math.toIntExact(ks[i]);
    }
    int[] size = Arrays.copyOfRange(x, 2, x.length);
    Window win = Window.of(ctx, size, kernel, ctx.attrs().getInt("ceil_mode", 0) != 0);
    int[] in3 = Window.as3d(size, 1);
    int[] k3 = Window.as3d(kernel, 1);
    int[] o3 = Window.as3d(win.output(), 1);
    int[] s3 = Window.as3d(win.strides(), 1);
    int[] pb = Window.as3d(win.padBegin(), 0);
    int[] pe = Window.as3d(win.padEnd(), 0);
    int[] d3 = Window.as3d(win.dilations(), 1);
    ConvGeometry g =
        new ConvGeometry(
            x[0], x[1], in3[1], in3[2], x[1], k3[1], k3[2], o3[1], o3[2], s3[1], s3[2], pb[1],
            pb[2], d3[1], d3[2], x[1]);
    boolean includePad = !max && ctx.attrs().getInt("count_include_pad", 0) != 0;
    if (blocked) {
      return new BlockedPoolStep(g, in[0], out[0], max, pe[1], pe[2], includePad, ws);
    }
    return new PoolStep(g, in[0], out[0], max, pe[1], pe[2], includePad, ws);
  }

  private static Step binary(
      NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out, String type) {
    if (ctx.input(0).type() != DataType.FLOAT32
        || ctx.input(1).type() != DataType.FLOAT32
        || !Arrays.equals(ctx.shape(0), ctx.shape(1))
        || !Arrays.equals(ctx.shape(0), outputs.get(0).shape())) {
      return null;
    }
    int op =
        switch (type) {
          case "Add" -> ElementwiseKernels.ADD;
          case "Sub" -> ElementwiseKernels.SUB;
          default -> ElementwiseKernels.MUL;
        };
    return elementwise(Shapes.size(ctx.shape(0)), in[0], in[1], out[0], op);
  }

  private static Step elementwise(int size, float[] a, float[] b, float[] y, int op) {
    Loops.Range body =
        (lo, hi) ->
            ElementwiseVector.binary(a, b, y, op, blockStart(lo, size), blockStart(hi, size));
    return loops -> loops.forRange(blocks(size), body);
  }

  /** Softmax over the last axis (or, before opset 13, over everything from the axis on). */
  private static Step softmax(NodeContext ctx, float[][] in, float[][] out) {
    int[] x = ctx.shape(0);
    if (ctx.input(0).type() != DataType.FLOAT32 || x.length == 0) {
      return null;
    }
    boolean legacy = ctx.opset() < 13;
    long axisAttr = ctx.attrs().getInt("axis", legacy ? 1 : -1);
    long axis = axisAttr < 0 ? axisAttr + x.length : axisAttr;
    if (axis < 0 || axis >= x.length || (!legacy && axis != x.length - 1)) {
      return null; // not along contiguous rows, or invalid: the reference operator says why
    }
    int n = Shapes.product(x, (int) axis, x.length);
    int rows = Shapes.size(x) / Math.max(1, n);
    float[] xs = in[0];
    float[] y = out[0];
    Loops.Range body = (lo, hi) -> ElementwiseVector.softmax(xs, y, n, lo, hi);
    return loops -> loops.forRange(rows, body);
  }

  /**
   * Concat of float tensors as copies of at most {@link #BLOCK} floats, split over the workers:
   * each input is a run of floats per index of the dimensions before the axis, so a batch-1 Concat
   * of four inputs is four runs, which the reference step copies one after the other on one thread.
   * Either layout: a blocked Concat joins whole channel blocks, so its runs are the plain layout's
   * (the layout plan keeps a Concat's inputs and output in one layout).
   */
  private static Step concat(
      NodeContext ctx, List<ValueInfo> outputs, float[][] in, float[][] out) {
    int[] y = outputs.get(0).shape();
    if (outputs.get(0).type() != DataType.FLOAT32 || !ctx.attrs().has("axis")) {
      // the reference operator copies other types and applies old defaults (a float output means
      // float inputs: Concat's inference rejects mixed types)
      return null;
    }
    // in range: the operator's inference checked it
    int axis = Shapes.axis(ctx.attrs().getInt("axis", 0), y.length, "Concat");
    int outer = Shapes.product(y, 0, axis);
    int stride = Shapes.product(y, axis, y.length);
    List<int[]> pieces = new ArrayList<>();
    for (int o = 0; o < outer; o++) {
      int dst = o * stride;
      for (int i = 0; i < in.length; i++) {
        int[] s = ctx.shape(i);
        int run = Shapes.product(s, axis, s.length);
        for (int e = 0; e < run; e += BLOCK) {
          pieces.add(new int[] {i, o * run + e, dst + e, Math.min(BLOCK, run - e)});
        }
        dst += run;
      }
    }
    int[][] piece = pieces.toArray(new int[0][]);
    float[] target = out[0];
    Loops.Range body =
        (lo, hi) -> {
          for (int p = lo; p < hi; p++) {
            int[] c = piece[p];
            System.arraycopy(in[c[0]], c[1], target, c[2], c[3]);
          }
        };
    return loops -> loops.forRange(piece.length, body);
  }

  /** Relu, LeakyRelu and Clip with constant bounds. */
  private static Step activation(NodeContext ctx, float[][] in, float[][] out) {
    if (ctx.input(0).type() != DataType.FLOAT32) {
      return null;
    }
    float[] spec = Operators.fusableActivation(ctx.node(), ctx);
    if (spec == null
        || Float.isNaN(spec[1])
        || Float.isNaN(spec[2])
        || !Sgemm.vectorActivation((int) spec[0])) {
      return null;
    }
    int act = (int) spec[0];
    float p = spec[1];
    float q = spec[2];
    float[] x = in[0];
    float[] y = out[0];
    int size = Shapes.size(ctx.shape(0));
    Loops.Range body =
        (lo, hi) ->
            ElementwiseVector.activation(
                x, y, act, p, q, blockStart(lo, size), blockStart(hi, size));
    return loops -> loops.forRange(blocks(size), body);
  }

  /** Element-wise work is split in blocks of 4096 floats so that ranges start on vector bounds. */
  private static final int BLOCK = 4096;

  private static int blocks(int size) {
    return (size + BLOCK - 1) / BLOCK;
  }

  private static int blockStart(int block, int size) {
    return Math.min(size, block * BLOCK);
  }
}
