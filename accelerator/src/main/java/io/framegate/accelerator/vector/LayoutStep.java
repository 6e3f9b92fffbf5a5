package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import java.util.List;

/**
 * A step with layout conversions around it: tensors are copied between the plain and the {@link
 * Blocked blocked} layout before it runs (into the buffers it reads) and after (from the buffers it
 * wrote), channel blocks split over the workers.
 */
final class LayoutStep implements Step {

  /** One conversion of {@code blocks} channel blocks of {@code hw} positions each. */
  static final class Copy {
    private final int blocks;
    private final Loops.Range body;

    Copy(float[] src, float[] dst, int hw, int blocks, boolean toBlocked) {
      this.blocks = blocks;
      this.body =
          toBlocked
              ? (lo, hi) -> Blocked.toBlocked(src, dst, hw, lo, hi)
              : (lo, hi) -> Blocked.toPlain(src, dst, hw, lo, hi);
    }

    void run(Loops loops) {
      loops.forRange(blocks, body);
    }
  }

  private final Copy[] before;
  private final Step inner;
  private final Copy[] after;

  LayoutStep(List<Copy> before, Step inner, List<Copy> after) {
    this.before = before.toArray(Copy[]::new);
    this.inner = inner;
    this.after = after.toArray(Copy[]::new);
  }

  @Override
  public void run(Loops loops) {
    for (Copy c : before) {
      c.run(loops);
    }
    inner.run(loops);
    for (Copy c : after) {
      c.run(loops);
    }
  }
}
