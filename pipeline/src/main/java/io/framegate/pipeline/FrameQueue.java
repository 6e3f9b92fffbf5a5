package io.framegate.pipeline;

import java.util.ArrayDeque;
import java.util.function.IntConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A model's bounded queue of pending frames, exposed as a {@link Flux} that emits only what
 * downstream requested. A frame counts against the capacity from submission until it is claimed
 * into a batch, dropped or cancelled, wherever it waits (here or inside the batcher), so memory is
 * bounded by the capacity however slow the device is. Dropped and cancelled frames still here are
 * removed at once.
 */
final class FrameQueue {

  enum Offer {
    ACCEPTED,
    FULL,
    CLOSED
  }

  private final int capacity;
  private final IntConsumer depthListener;
  private final ArrayDeque<FrameTask> waiting = new ArrayDeque<>();
  private final Flux<FrameTask> flux;
  private FluxSink<FrameTask> sink;
  private int pending;
  // Our own count of what downstream asked for and has not received: exact whatever the sink's
  // internal buffering does.
  private long demand;
  private boolean closed;
  private boolean completed;

  FrameQueue(int capacity, IntConsumer depthListener) {
    this.capacity = capacity;
    this.depthListener = depthListener;
    this.flux =
        Flux.create(
            s -> {
              synchronized (this) {
                if (sink != null) {
                  s.error(new IllegalStateException("a frame queue has one consumer"));
                  return;
                }
                sink = s;
              }
              s.onRequest(this::request);
              drain();
            },
            FluxSink.OverflowStrategy.BUFFER);
  }

  Flux<FrameTask> flux() {
    return flux;
  }

  synchronized Offer offer(FrameTask task) {
    if (closed) {
      return Offer.CLOSED;
    }
    if (pending >= capacity) {
      return Offer.FULL;
    }
    pending++;
    task.queued = true;
    waiting.add(task);
    depthListener.accept(pending);
    drain();
    return Offer.ACCEPTED;
  }

  /** Uncounts a frame that left the pending state (claimed, dropped or cancelled). */
  synchronized void release(FrameTask task, boolean removeIfWaiting) {
    if (!task.queued) {
      return;
    }
    task.queued = false;
    pending--;
    if (removeIfWaiting) {
      waiting.remove(task);
    }
    depthListener.accept(pending);
  }

  synchronized int depth() {
    return pending;
  }

  /** Refuses new frames; the flux completes once the frames already here have been taken. */
  synchronized void close() {
    closed = true;
    drain();
  }

  private synchronized void request(long n) {
    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
    drain();
  }

  private synchronized void drain() {
    if (sink == null || completed) {
      return;
    }
    // Called again from inside sink.next when downstream requests more; the loop re-checks.
    while (!waiting.isEmpty() && demand > 0) {
      demand--;
      sink.next(waiting.poll());
    }
    if (closed && waiting.isEmpty() && !completed) {
      completed = true;
      sink.complete();
    }
  }
}
