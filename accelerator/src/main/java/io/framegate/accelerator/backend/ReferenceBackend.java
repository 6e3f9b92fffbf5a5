package io.framegate.accelerator.backend;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.plan.JvmPlan;

/**
 * Runs the shared kernels as written, on the JVM, spreading each kernel's outer parallel loop over
 * a plan-owned pool of threads. Its results are the truth that device and fast-path results are
 * checked against.
 */
public final class ReferenceBackend implements Backend {
  public static final String NAME = "jvm-reference";

  private final int threads;

  public ReferenceBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  public ReferenceBackend(int threads) {
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
    return new ReferenceBackend(newThreads);
  }

  @Override
  public ExecutionPlan compile(Graph graph) {
    return new JvmPlan(graph, threads);
  }
}
