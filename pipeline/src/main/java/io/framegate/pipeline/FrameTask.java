package io.framegate.pipeline;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A submitted frame on its way through the pipeline. */
final class FrameTask {
  private static final int PENDING = 0;
  private static final int CLAIMED = 1;
  private static final int DROPPED = 2;
  private static final int CANCELLED = 3;

  final FrameRequest request;
  final FrameStream stream;
  final long submittedNanos;

  /** Always completes normally: a failed frame has a result with an error. */
  final CompletableFuture<FrameResult> done = new CompletableFuture<>();

  private final AtomicInteger state = new AtomicInteger(PENDING);

  /** Set once the queue counted it, so only counted frames are uncounted. */
  boolean queued;

  /** Frames of the stream dropped in its favour; guarded by the stream's lock. */
  long droppedBefore;

  /** The result waiting for earlier frames of the stream; guarded by the stream's lock. */
  FrameResult ready;

  FrameTask(FrameRequest request, FrameStream stream, long submittedNanos) {
    this.request = request;
    this.stream = stream;
    this.submittedNanos = submittedNanos;
  }

  /** Taken into a batch to be decoded and run: from now on it can no longer be dropped. */
  boolean claim() {
    return state.compareAndSet(PENDING, CLAIMED);
  }

  boolean drop() {
    return state.compareAndSet(PENDING, DROPPED);
  }

  boolean cancel() {
    return state.compareAndSet(PENDING, CANCELLED);
  }

  boolean pending() {
    return state.get() == PENDING;
  }
}
