package io.framegate.accelerator.op;

import io.framegate.accelerator.kernel.ConvKernels;
import io.framegate.accelerator.kernel.ElementwiseKernels;
import io.framegate.accelerator.kernel.GemmKernels;
import io.framegate.accelerator.kernel.LayoutKernels;
import io.framegate.accelerator.kernel.PoolKernels;
import io.framegate.accelerator.kernel.SoftmaxKernels;
import java.util.List;

/**
 * One call of a shared kernel over its whole outer parallel range [0, total), with every argument
 * except {@code lo, hi} bound. The JVM runs {@link #body} split into ranges; a device backend reads
 * {@link #kernel} and {@link #args} and launches the same static method once with lo = 0, hi =
 * total. Arguments are listed in the kernel's parameter order.
 */
public record KernelCall(Kernel kernel, int total, List<Object> args, Loops.Range body) {

  /** The shared kernels an operator may launch. */
  public enum Kernel {
    CONV,
    MAX_POOL,
    AVG_POOL,
    GLOBAL_AVG_POOL,
    GLOBAL_MAX_POOL,
    ACTIVATION,
    CLIP,
    BINARY,
    BATCH_NORM,
    GEMM,
    MATMUL,
    SOFTMAX,
    HARDMAX,
    GATHER,
    PAD,
    COPY_BLOCKS,
    GATHER_AXIS
  }

  public KernelCall {
    args = List.copyOf(args);
  }

  /** Runs the call on the caller's {@link Loops}. */
  public Step step() {
    return loops -> loops.launch(this);
  }

  static KernelCall conv(
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int[] g,
      int act,
      float a,
      float b,
      int total) {
    return new KernelCall(
        Kernel.CONV,
        total,
        List.of(x, w, bias, res, y, g, act, a, b),
        (lo, hi) -> ConvKernels.conv(x, w, bias, res, y, g, act, a, b, lo, hi));
  }

  static KernelCall maxPool(float[] x, float[] y, int[] g, int total) {
    return new KernelCall(
        Kernel.MAX_POOL, total, List.of(x, y, g), (lo, hi) -> PoolKernels.maxPool(x, y, g, lo, hi));
  }

  static KernelCall avgPool(float[] x, float[] y, int[] g, int countIncludePad, int total) {
    return new KernelCall(
        Kernel.AVG_POOL,
        total,
        List.of(x, y, g, countIncludePad),
        (lo, hi) -> PoolKernels.avgPool(x, y, g, countIncludePad, lo, hi));
  }

  static KernelCall globalAvgPool(float[] x, float[] y, int spatial, int total) {
    return new KernelCall(
        Kernel.GLOBAL_AVG_POOL,
        total,
        List.of(x, y, spatial),
        (lo, hi) -> PoolKernels.globalAvgPool(x, y, spatial, lo, hi));
  }

  static KernelCall globalMaxPool(float[] x, float[] y, int spatial, int total) {
    return new KernelCall(
        Kernel.GLOBAL_MAX_POOL,
        total,
        List.of(x, y, spatial),
        (lo, hi) -> PoolKernels.globalMaxPool(x, y, spatial, lo, hi));
  }

  /**
   * @param min one element: a constant bound, or the run-time input holding it (so is {@code max})
   */
  static KernelCall clip(float[] x, float[] y, float[] min, float[] max, int total) {
    return new KernelCall(
        Kernel.CLIP,
        total,
        List.of(x, y, min, max),
        (lo, hi) -> ElementwiseKernels.clip(x, y, min, max, lo, hi));
  }

  static KernelCall activation(float[] x, float[] y, int act, float a, float b, int total) {
    return new KernelCall(
        Kernel.ACTIVATION,
        total,
        List.of(x, y, act, a, b),
        (lo, hi) -> ElementwiseKernels.activation(x, y, act, a, b, lo, hi));
  }

  static KernelCall binary(float[] a, float[] b, float[] y, int[] g, int op, int total) {
    return new KernelCall(
        Kernel.BINARY,
        total,
        List.of(a, b, y, g, op),
        (lo, hi) -> ElementwiseKernels.binary(a, b, y, g, op, lo, hi));
  }

  static KernelCall batchNorm(
      float[] x,
      float[] scale,
      float[] bias,
      float[] mean,
      float[] var,
      float[] y,
      float eps,
      int channels,
      int spatial,
      int total) {
    return new KernelCall(
        Kernel.BATCH_NORM,
        total,
        List.of(x, scale, bias, mean, var, y, eps, channels, spatial),
        (lo, hi) ->
            ElementwiseKernels.batchNorm(
                x, scale, bias, mean, var, y, eps, channels, spatial, lo, hi));
  }

  static KernelCall gemm(
      float[] a, float[] b, float[] c, float[] y, int[] g, float alpha, float beta, int total) {
    return new KernelCall(
        Kernel.GEMM,
        total,
        List.of(a, b, c, y, g, alpha, beta),
        (lo, hi) -> GemmKernels.gemm(a, b, c, y, g, alpha, beta, lo, hi));
  }

  static KernelCall matmul(
      float[] a,
      float[] b,
      float[] y,
      int[] aOffsets,
      int[] bOffsets,
      int m,
      int n,
      int k,
      int total) {
    return new KernelCall(
        Kernel.MATMUL,
        total,
        List.of(a, b, y, aOffsets, bOffsets, m, n, k),
        (lo, hi) -> GemmKernels.matmul(a, b, y, aOffsets, bOffsets, m, n, k, lo, hi));
  }

  static KernelCall softmax(
      float[] x, float[] y, int axisLength, int inner, int logarithm, int total) {
    return new KernelCall(
        Kernel.SOFTMAX,
        total,
        List.of(x, y, axisLength, inner, logarithm),
        (lo, hi) -> SoftmaxKernels.softmax(x, y, axisLength, inner, logarithm, lo, hi));
  }

  static KernelCall hardmax(float[] x, float[] y, int axisLength, int inner, int total) {
    return new KernelCall(
        Kernel.HARDMAX,
        total,
        List.of(x, y, axisLength, inner),
        (lo, hi) -> SoftmaxKernels.hardmax(x, y, axisLength, inner, lo, hi));
  }

  static KernelCall gather(float[] x, float[] y, int[] g, int total) {
    return new KernelCall(
        Kernel.GATHER, total, List.of(x, y, g), (lo, hi) -> LayoutKernels.gather(x, y, g, lo, hi));
  }

  /**
   * @param value a one-element array: the constant, or the run-time input holding it
   */
  static KernelCall pad(float[] x, float[] y, int[] g, int mode, float[] value, int total) {
    return new KernelCall(
        Kernel.PAD,
        total,
        List.of(x, y, g, mode, value),
        (lo, hi) -> LayoutKernels.pad(x, y, g, mode, value, lo, hi));
  }

  static KernelCall copyBlocks(
      float[] x, float[] y, int blockLength, int dstStride, int dstOffset, int total) {
    return new KernelCall(
        Kernel.COPY_BLOCKS,
        total,
        List.of(x, y, blockLength, dstStride, dstOffset),
        (lo, hi) -> LayoutKernels.copyBlocks(x, y, blockLength, dstStride, dstOffset, lo, hi));
  }

  static KernelCall gatherAxis(
      float[] x, float[] y, int[] indices, int axisLength, int inner, int total) {
    return new KernelCall(
        Kernel.GATHER_AXIS,
        total,
        List.of(x, y, indices, axisLength, inner),
        (lo, hi) -> LayoutKernels.gatherAxis(x, y, indices, axisLength, inner, lo, hi));
  }
}
