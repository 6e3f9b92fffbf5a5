package io.framegate.accelerator.backend;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;

/**
 * Something that runs a graph: the JVM reference, the fast JVM path, or a device. Backends are
 * found through {@link java.util.ServiceLoader} so that optional ones (TornadoVM) need no
 * compile-time link.
 */
public interface Backend {

  /** Stable name used on the command line and in profiles, e.g. {@code jvm-reference}. */
  String name();

  /** One line for listings: the device and its driver, or how the JVM backend runs. */
  default String describe() {
    return name();
  }

  /**
   * This backend with work-group sizes per kernel family ({@code conv, pool, elementwise, gemm,
   * softmax, layout}) from a hardware profile; families left out are sized by the driver. JVM
   * backends have no work-groups and return themselves.
   *
   * @throws IllegalArgumentException for an unknown family or a size below 1
   */
  default Backend withWorkGroupSizes(java.util.Map<String, Integer> sizes) {
    return this;
  }

  /**
   * Builds a plan for a graph whose every shape is known (see {@link
   * io.framegate.accelerator.Model#specialize}). Called once per (model, batch); the plan is
   * reused.
   */
  ExecutionPlan compile(Graph graph);

  /**
   * The same backend with plans that use {@code threads} threads, for backends with a thread pool;
   * others return themselves.
   */
  default Backend withThreads(int threads) {
    return this;
  }
}
