package io.framegate.pipeline;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A model's bounded queue of pending frames, exposed as a {@link Flux} that emits only what
 * downstream requested. A frame counts against the capacity from submission until it is claimed
 * into a batch, dropped or cancelled, wherever it waits (here, or read ahead by the batcher), so
 * memory is bounded by the capacity however slow the device is. Dropped and cancelled frames still
 * here are removed at once.
 *
 * <p>Frames are handed downstream outside the lock (by whichever thread wins the drain), because
 * downstream may decode and fail frames synchronously, which takes their streams' locks.
 */
final class FrameQueue {

  enum Offer {
    ACCEPTED,
    FULL,
    CLOSED,
    /** Dropped by a newer frame of its stream before it got here. */
    GONE
  }

  private final int capacity;
  private final IntConsumer depthListener;
  private final ArrayDeque<FrameTask> waiting = new ArrayDeque<>();
  private final AtomicInteger wip = new AtomicInteger();
  private final Flux<FrameTask> flux;
  private volatile FluxSink<FrameTask> sink;
  private int pending;
  // Our own count of what downstream asked for and has not received: exact, whatever the sink
  // buffers internally.
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

  Offer offer(FrameTask task) {
    synchronized (this) {
      if (closed) {
        return Offer.CLOSED;
      }
      if (!task.pending()) {
        return Offer.GONE;
      }
      if (pending >= capacity) {
        return Offer.FULL;
      }
      pending++;
      task.queued = true;
      waiting.add(task);
      depthListener.accept(pending);
    }
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
  void close() {
    synchronized (this) {
      closed = true;
    }
    drain();
  }

  private void request(long n) {
    synchronized (this) {
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
    }
    drain();
  }

  /** Emits while there is demand; one thread at a time, the others leave it work to redo. */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      FluxSink<FrameTask> s = sink;
      if (s != null) {
        for (; ; ) {
          FrameTask next;
          boolean complete = false;
          synchronized (this) {
            if (completed) {
              break;
            }
            if (waiting.isEmpty() || demand == 0) {
              if (closed && waiting.isEmpty()) {
                completed = true;
                complete = true;
              } else {
                break;
              }
            }
            next = complete ? null : waiting.poll();
            if (!complete) {
              demand--;
            }
          }
          if (complete) {
            s.complete();
            break;
          }
          s.next(next);
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }
}
