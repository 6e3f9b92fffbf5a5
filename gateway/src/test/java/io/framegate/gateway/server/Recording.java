package io.framegate.gateway.server;

import io.framegate.pipeline.PipelineMetrics;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Forwards pipeline events to the real metrics and lets a test wait for a state (a queue depth, a
 * number of rejected or dropped frames) instead of sleeping.
 */
final class Recording implements PipelineMetrics {
  private final PipelineMetrics next;
  private int depth;
  private int accepted;
  private int rejected;
  private int dropped;

  Recording(PipelineMetrics next) {
    this.next = next;
  }

  @Override
  public void queueDepth(String model, int d) {
    next.queueDepth(model, d);
    synchronized (this) {
      // Calls come in queue order, so a rise is a frame accepted.
      if (d > depth) {
        accepted++;
      }
      depth = d;
      notifyAll();
    }
  }

  @Override
  public void batch(String model, String device, int frames, int paddedTo, long computeNanos) {
    next.batch(model, device, frames, paddedTo, computeNanos);
  }

  @Override
  public void frame(String model, String device, long queueNanos, long totalNanos, boolean ok) {
    next.frame(model, device, queueNanos, totalNanos, ok);
  }

  @Override
  public void rejected(String model) {
    next.rejected(model);
    synchronized (this) {
      rejected++;
      notifyAll();
    }
  }

  @Override
  public void dropped(String model, int frames) {
    next.dropped(model, frames);
    synchronized (this) {
      dropped += frames;
      notifyAll();
    }
  }

  @Override
  public void fallback(String model, String device, Throwable cause) {
    next.fallback(model, device, cause);
  }

  void awaitDepth(IntPredicate p) throws InterruptedException {
    await(() -> p.test(depth), "queue depth, last " + depth);
  }

  /** Waits until {@code n} frames in all have entered the queue. */
  void awaitAccepted(int n) throws InterruptedException {
    await(() -> accepted >= n, "accepted frames, so far " + accepted);
  }

  synchronized int dropped() {
    return dropped;
  }

  void awaitRejected(int n) throws InterruptedException {
    await(() -> rejected >= n, "rejected frames, so far " + rejected);
  }

  synchronized int rejected() {
    return rejected;
  }

  private synchronized void await(java.util.function.BooleanSupplier done, String what)
      throws InterruptedException {
    // A deadline only so that a broken server fails the test instead of hanging it.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }
}
