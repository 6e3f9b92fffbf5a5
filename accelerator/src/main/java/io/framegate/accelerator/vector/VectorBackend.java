package io.framegate.accelerator.vector;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.plan.JvmPlan;

/**
 * The fast CPU backend: convolutions as packed-panel GEMM with fused epilogues (3×3 stride-1 ones
 * by Winograd F(4×4, 3×3) or F(2×2, 3×3)), depthwise and fully connected layers, element-wise
 * operators, windowed and global pooling on the Vector API ({@code jdk.incubator.vector}, which the
 * JVM must be started with: {@code --add-modules jdk.incubator.vector}); every other operator runs
 * the reference kernels. Weights are packed and scratch is allocated when the plan is built.
 */
public final class VectorBackend implements Backend {
  public static final String NAME = "jvm-vector";

  private final int threads;

  public VectorBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  public VectorBackend(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, is " + threads);
    }
    this.threads = threads;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Backend withThreads(int newThreads) {
    return new VectorBackend(newThreads);
  }

  /** Threads a plan of this backend runs its loops on, the caller included. */
  public int threads() {
    return threads;
  }

  @Override
  public ExecutionPlan compile(Graph graph) {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException(
          NAME + " needs the Vector API: start the JVM with --add-modules jdk.incubator.vector");
    }
    return new JvmPlan(graph, threads, new VectorStepCompiler(threads), "framegate-vec");
  }
}
