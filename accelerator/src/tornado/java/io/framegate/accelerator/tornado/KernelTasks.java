package io.framegate.accelerator.tornado;

import io.framegate.accelerator.kernel.ConvKernels;
import io.framegate.accelerator.kernel.ElementwiseKernels;
import io.framegate.accelerator.kernel.GemmKernels;
import io.framegate.accelerator.kernel.LayoutKernels;
import io.framegate.accelerator.kernel.PoolKernels;
import io.framegate.accelerator.kernel.SoftmaxKernels;
import io.framegate.accelerator.op.KernelCall;
import java.util.List;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * Turns a {@link KernelCall} into a TornadoVM task on the same static kernel, launched once over
 * its whole range (lo = 0, hi = total). TornadoVM finds the method through the method reference, so
 * each kernel needs its own line here; the argument order is the kernel's.
 */
final class KernelTasks {
  private KernelTasks() {}

  /** The hardware-profile family whose work-group size applies to a kernel. */
  static String family(KernelCall.Kernel kernel) {
    return switch (kernel) {
      case CONV -> "conv";
      case MAX_POOL, AVG_POOL, GLOBAL_AVG_POOL, GLOBAL_MAX_POOL -> "pool";
      case ACTIVATION, CLIP, BINARY, BATCH_NORM -> "elementwise";
      case GEMM, MATMUL -> "gemm";
      case SOFTMAX, HARDMAX -> "softmax";
      case GATHER, PAD, COPY_BLOCKS, GATHER_AXIS -> "layout";
    };
  }

  static void add(TaskGraph tg, String id, KernelCall call) {
    List<Object> a = call.args();
    int lo = 0;
    int hi = call.total();
    switch (call.kernel()) {
      case CONV ->
          tg.task(
              id,
              ConvKernels::conv,
              f(a, 0),
              f(a, 1),
              f(a, 2),
              f(a, 3),
              f(a, 4),
              ints(a, 5),
              i(a, 6),
              s(a, 7),
              s(a, 8),
              lo,
              hi);
      case MAX_POOL -> tg.task(id, PoolKernels::maxPool, f(a, 0), f(a, 1), ints(a, 2), lo, hi);
      case AVG_POOL ->
          tg.task(id, PoolKernels::avgPool, f(a, 0), f(a, 1), ints(a, 2), i(a, 3), lo, hi);
      case GLOBAL_AVG_POOL ->
          tg.task(id, PoolKernels::globalAvgPool, f(a, 0), f(a, 1), i(a, 2), lo, hi);
      case GLOBAL_MAX_POOL ->
          tg.task(id, PoolKernels::globalMaxPool, f(a, 0), f(a, 1), i(a, 2), lo, hi);
      case ACTIVATION ->
          tg.task(
              id,
              ElementwiseKernels::activation,
              f(a, 0),
              f(a, 1),
              i(a, 2),
              s(a, 3),
              s(a, 4),
              lo,
              hi);
      case CLIP ->
          tg.task(id, ElementwiseKernels::clip, f(a, 0), f(a, 1), f(a, 2), f(a, 3), lo, hi);
      case BINARY ->
          tg.task(
              id,
              ElementwiseKernels::binary,
              f(a, 0),
              f(a, 1),
              f(a, 2),
              ints(a, 3),
              i(a, 4),
              lo,
              hi);
      case BATCH_NORM ->
          tg.task(
              id,
              ElementwiseKernels::batchNorm,
              f(a, 0),
              f(a, 1),
              f(a, 2),
              f(a, 3),
              f(a, 4),
              f(a, 5),
              s(a, 6),
              i(a, 7),
              i(a, 8),
              lo,
              hi);
      case GEMM ->
          tg.task(
              id,
              GemmKernels::gemm,
              f(a, 0),
              f(a, 1),
              f(a, 2),
              f(a, 3),
              ints(a, 4),
              s(a, 5),
              s(a, 6),
              lo,
              hi);
      case MATMUL ->
          tg.task(
              id,
              GemmKernels::matmul,
              f(a, 0),
              f(a, 1),
              f(a, 2),
              ints(a, 3),
              ints(a, 4),
              i(a, 5),
              i(a, 6),
              i(a, 7),
              lo,
              hi);
      case SOFTMAX ->
          tg.task(id, SoftmaxKernels::softmax, f(a, 0), f(a, 1), i(a, 2), i(a, 3), i(a, 4), lo, hi);
      case HARDMAX ->
          tg.task(id, SoftmaxKernels::hardmax, f(a, 0), f(a, 1), i(a, 2), i(a, 3), lo, hi);
      case GATHER -> tg.task(id, LayoutKernels::gather, f(a, 0), f(a, 1), ints(a, 2), lo, hi);
      case PAD ->
          tg.task(id, LayoutKernels::pad, f(a, 0), f(a, 1), ints(a, 2), i(a, 3), f(a, 4), lo, hi);
      case COPY_BLOCKS ->
          tg.task(
              id, LayoutKernels::copyBlocks, f(a, 0), f(a, 1), i(a, 2), i(a, 3), i(a, 4), lo, hi);
      case GATHER_AXIS ->
          tg.task(
              id,
              LayoutKernels::gatherAxis,
              f(a, 0),
              f(a, 1),
              ints(a, 2),
              i(a, 3),
              i(a, 4),
              lo,
              hi);
    }
  }

  private static float[] f(List<Object> a, int i) {
    return (float[]) a.get(i);
  }

  private static int[] ints(List<Object> a, int i) {
    return (int[]) a.get(i);
  }

  private static int i(List<Object> a, int i) {
    return (Integer) a.get(i);
  }

  private static float s(List<Object> a, int i) {
    return (Float) a.get(i);
  }
}
