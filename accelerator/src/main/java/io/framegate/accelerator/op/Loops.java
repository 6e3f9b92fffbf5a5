package io.framegate.accelerator.op;

/** Runs the outermost parallel loop of a kernel, [0, total), split into ranges. */
public interface Loops {

  /** A kernel call over a sub-range of its outermost parallel loop. */
  @FunctionalInterface
  interface Range {
    void run(int lo, int hi);
  }

  /** Runs {@code body} over [0, total) and returns when every range is done. */
  void forRange(int total, Range body);

  /**
   * Runs one kernel call over its whole range. Device backends record calls through this method
   * instead of running them, which is why operators launch kernels here rather than through {@link
   * #forRange} directly.
   */
  default void launch(KernelCall call) {
    forRange(call.total(), call.body());
  }

  /** Runs everything on the calling thread (constant folding, tests). */
  Loops SEQUENTIAL = (total, body) -> body.run(0, total);
}
