package io.framegate.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One client stream of frames to one model. Results are emitted by {@link #results()} in the order
 * frames were submitted, even when a later frame finishes first (another device, or an error found
 * at submission); a failed frame yields a result with an error and the stream goes on.
 *
 * <p>Latest-wins: a frame submitted with {@link FrameRequest#latestWins()} drops the older frames
 * of this stream that have not started running; they yield no result, and the count is reported in
 * this frame's {@link FrameResult#droppedBefore()} (carried on if this frame is dropped in turn).
 *
 * <p>{@link #cancel()} (or cancelling the subscription to {@link #results()}) removes the frames
 * not yet running from the queue and discards the results of those that are.
 */
public final class FrameStream {
  private final ModelPipeline pipeline;
  private final String id;
  private final ArrayDeque<FrameTask> order = new ArrayDeque<>();
  private final Sinks.Many<FrameResult> sink = Sinks.many().unicast().onBackpressureBuffer();
  private boolean completing;
  private boolean cancelled;

  FrameStream(ModelPipeline pipeline, String id) {
    this.pipeline = pipeline;
    this.id = id;
  }

  public String id() {
    return id;
  }

  /**
   * Results in submission order; completes after {@link #complete()} once every result is out, or
   * at once on {@link #cancel()}. One subscriber.
   */
  public Flux<FrameResult> results() {
    return sink.asFlux().doOnCancel(this::cancel);
  }

  /**
   * Queues a frame. Never throws for a bad frame or a full queue: those come back as error results,
   * in order.
   *
   * @return this frame's result as soon as it is known, which may be before earlier frames' results
   *     are emitted; cancelled if the frame is dropped or the stream cancelled first
   * @throws IllegalStateException if the stream was completed or cancelled
   */
  public CompletableFuture<FrameResult> submit(FrameRequest request) {
    FrameTask task = new FrameTask(request, this, System.nanoTime());
    List<FrameTask> dropped = new ArrayList<>();
    synchronized (this) {
      if (completing || cancelled) {
        throw new IllegalStateException(
            "stream '" + id + "' is " + (cancelled ? "cancelled" : "completed"));
      }
      if (request.latestWins()) {
        Iterator<FrameTask> it = order.iterator();
        while (it.hasNext()) {
          FrameTask older = it.next();
          if (pipeline.drop(older)) {
            it.remove();
            task.droppedBefore += 1 + older.droppedBefore;
            dropped.add(older);
          }
        }
      }
      order.add(task);
    }
    // Outside the lock: queueing may decode and fail frames of other streams synchronously. A
    // frame dropped before it is queued is simply not queued.
    pipeline.enqueue(task);
    if (!dropped.isEmpty()) {
      pipeline.countDropped(dropped.size());
      for (FrameTask d : dropped) {
        d.done.cancel(false);
      }
    }
    return task.done;
  }

  /** No more frames: {@link #results()} completes after the pending results. */
  public void complete() {
    synchronized (this) {
      completing = true;
      if (order.isEmpty() && !cancelled) {
        sink.tryEmitComplete();
      }
    }
  }

  /** Stops the stream: pending frames are removed from the queue, running ones are ignored. */
  public void cancel() {
    List<FrameTask> removed = new ArrayList<>();
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      for (FrameTask t : order) {
        if (pipeline.cancel(t)) {
          removed.add(t);
        }
      }
      order.clear();
      sink.tryEmitComplete();
    }
    for (FrameTask t : removed) {
      t.done.cancel(false);
    }
  }

  /** Frames submitted whose results have not been emitted yet. */
  public synchronized int inFlight() {
    return order.size();
  }

  /** Called by the pipeline, once per frame, when its result is known. */
  void finished(FrameTask task, FrameResult result) {
    FrameResult stamped;
    synchronized (this) {
      stamped = result.withDroppedBefore(task.droppedBefore);
      if (!cancelled) {
        task.ready = stamped;
        while (!order.isEmpty() && order.peek().ready != null) {
          FrameTask head = order.poll();
          sink.tryEmitNext(head.ready);
          head.ready = null;
        }
        if (completing && order.isEmpty()) {
          sink.tryEmitComplete();
        }
      }
    }
    task.done.complete(stamped);
  }
}
