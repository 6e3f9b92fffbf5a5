package io.framegate.pipeline.dispatch;

import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One device's plans, one per compiled batch size. A batch of n frames runs on the smallest plan of
 * at least n, zero-padded to its size: few plans (little device memory, short start-up) at the cost
 * of some wasted compute on partial batches. Not thread-safe: owned by one dispatcher thread.
 */
public final class PlanSet implements AutoCloseable {
  private final int[] sizes;
  private final ExecutionPlan[] plans;

  private PlanSet(int[] sizes, ExecutionPlan[] plans) {
    this.sizes = sizes;
    this.plans = plans;
  }

  /**
   * Compiles a plan per size and checks that each takes {@code input} as {@code [b, ...frame]} and
   * gives outputs with batch dimension {@code b}.
   *
   * @param sizes ascending, distinct, positive
   * @throws InvalidModelException naming the plan that does not fit; plans already compiled are
   *     closed
   */
  public static PlanSet compile(PlanFactory factory, int[] sizes, String input, int[] frameShape) {
    ExecutionPlan[] plans = new ExecutionPlan[sizes.length];
    try {
      for (int i = 0; i < sizes.length; i++) {
        plans[i] = factory.create(sizes[i]);
        check(plans[i], sizes[i], input, frameShape);
      }
    } catch (RuntimeException e) {
      for (ExecutionPlan p : plans) {
        if (p != null) {
          p.close();
        }
      }
      throw e;
    }
    return new PlanSet(sizes.clone(), plans);
  }

  private static void check(ExecutionPlan plan, int batch, String input, int[] frameShape) {
    int[] want = new int[frameShape.length + 1];
    want[0] = batch;
    System.arraycopy(frameShape, 0, want, 1, frameShape.length);
    List<ValueInfo> ins = plan.inputs();
    if (ins.size() != 1 || !ins.get(0).name().equals(input)) {
      throw new InvalidModelException(
          "the plan for batch "
              + batch
              + " has inputs "
              + ins
              + "; the pipeline feeds exactly one image input '"
              + input
              + "'");
    }
    if (!Arrays.equals(ins.get(0).shape(), want)) {
      throw new InvalidModelException(
          "the plan for batch "
              + batch
              + " expects input "
              + ins.get(0)
              + ", the pipeline feeds "
              + Arrays.toString(want));
    }
    for (ValueInfo out : plan.outputs()) {
      if (out.rank() == 0 || out.shape()[0] != batch) {
        throw new InvalidModelException(
            "output "
                + out
                + " of the plan for batch "
                + batch
                + " has no batch dimension "
                + batch
                + ", so it cannot be split per frame");
      }
    }
  }

  /** The smallest compiled size that holds {@code frames}. */
  public int sizeFor(int frames) {
    for (int s : sizes) {
      if (s >= frames) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        frames + " frames exceed the largest compiled batch " + sizes[sizes.length - 1]);
  }

  public ExecutionPlan plan(int size) {
    int i = Arrays.binarySearch(sizes, size);
    if (i < 0) {
      throw new IllegalArgumentException(
          "no plan for batch " + size + " (compiled: " + Arrays.toString(sizes) + ")");
    }
    return plans[i];
  }

  public int[] sizes() {
    return sizes.clone();
  }

  /** Outputs of one frame: the smallest plan's outputs with batch dimension 1. */
  public List<ValueInfo> frameOutputs() {
    List<ValueInfo> out = new ArrayList<>();
    for (ValueInfo v : plans[0].outputs()) {
      int[] s = v.shape();
      s[0] = 1;
      out.add(v.withShape(s));
    }
    return out;
  }

  @Override
  public void close() {
    for (ExecutionPlan p : plans) {
      p.close();
    }
  }
}
