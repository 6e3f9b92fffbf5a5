package io.framegate.pipeline.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * The per-model batching stage: a batch leaves as soon as it holds {@code maxBatch} frames, or
 * {@code maxDelay} after its first frame arrived, whichever comes first; if downstream is busy at
 * that moment the batch stays open, goes on filling up to {@code maxBatch}, and leaves as soon as
 * downstream asks.
 *
 * <p>Backpressure is fair and exact: for each batch downstream asks for, the stage asks upstream
 * for at most {@code maxBatch} frames, less the frames it already holds or has asked for. Frames
 * the device cannot take yet therefore stay in the bounded queue upstream, where they can still be
 * refused, dropped or cancelled, rather than piling up here.
 *
 * <p>This is our own operator rather than Reactor's {@code bufferTimeout(max, delay, timer, true)}:
 * under irregular bursts on real threads that operator was seen to stop requesting upstream and
 * leave a frame waiting forever (reactor-core 3.8.0 to 3.8.6); BatchingStressTest guards ours.
 */
public final class Batcher {
  private final BatchPolicy policy;
  private final Scheduler timer;

  /**
   * @param timer runs the {@code maxDelay} timeouts; tests pass a virtual-time scheduler
   */
  public Batcher(BatchPolicy policy, Scheduler timer) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  public BatchPolicy policy() {
    return policy;
  }

  public <T> Flux<List<T>> apply(Flux<T> frames) {
    Objects.requireNonNull(frames, "frames");
    return Flux.from(
        s ->
            frames.subscribe(
                new Batching<T>(
                    Operators.toCoreSubscriber(s),
                    policy.maxBatch(),
                    policy.maxDelay().toNanos(),
                    timer)));
  }

  /**
   * One subscription's state. Every field below the lock line changes under {@code this}; signals
   * go downstream outside the lock, from one thread at a time (the {@code wip} drain loop), so a
   * subscriber that requests or cancels from inside {@code onNext} cannot deadlock us.
   */
  private static final class Batching<T> implements CoreSubscriber<T>, Subscription {
    private final CoreSubscriber<? super List<T>> actual;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final Scheduler timer;
    private final AtomicInteger wip = new AtomicInteger();

    // ---- guarded by this
    private Subscription upstream;

    /** Closed batches waiting for demand, oldest first; all hold frames older than {@code open}. */
    private final ArrayDeque<List<T>> ready = new ArrayDeque<>();

    private List<T> open;

    /** The open batch's maxDelay has passed: it leaves with the next demand, full or not. */
    private boolean overdue;

    /** Tells a late timeout of an earlier open batch from the current one's. */
    private long generation;

    private Disposable timeout;
    private int held;
    private long requested;
    private long outstanding;
    private boolean done;
    private Throwable error;
    private boolean cancelled;
    private boolean terminated;

    Batching(
        CoreSubscriber<? super List<T>> actual, int maxBatch, long maxDelayNanos, Scheduler timer) {
      this.actual = actual;
      this.maxBatch = maxBatch;
      this.maxDelayNanos = maxDelayNanos;
      this.timer = timer;
      this.open = new ArrayList<>(maxBatch);
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      synchronized (this) {
        if (upstream != null) {
          s.cancel();
          return;
        }
        upstream = s;
      }
      actual.onSubscribe(this);
    }

    @Override
    public void onNext(T frame) {
      long startClock = -1;
      synchronized (this) {
        if (done || cancelled) {
          Operators.onNextDropped(frame, actual.currentContext());
          return;
        }
        if (outstanding != Long.MAX_VALUE) {
          outstanding--;
        }
        open.add(frame);
        held++;
        if (open.size() == maxBatch) {
          closeOpen();
        } else if (open.size() == 1) {
          startClock = generation;
        }
      }
      if (startClock >= 0) {
        // Scheduled outside the lock: a timer may run a due task on the calling thread.
        long mine = startClock;
        Disposable d = timer.schedule(() -> timedOut(mine), maxDelayNanos, TimeUnit.NANOSECONDS);
        synchronized (this) {
          if (mine == generation && !overdue && timeout == null) {
            timeout = d;
            d = null;
          }
        }
        if (d != null) {
          d.dispose();
        }
      }
      drain();
    }

    @Override
    public void onError(Throwable e) {
      synchronized (this) {
        if (done) {
          Operators.onErrorDropped(e, actual.currentContext());
          return;
        }
        done = true;
        error = e;
      }
      drain();
    }

    @Override
    public void onComplete() {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        if (!open.isEmpty()) {
          closeOpen();
        }
      }
      drain();
    }

    @Override
    public void request(long n) {
      if (!Operators.validate(n)) {
        return;
      }
      synchronized (this) {
        requested = Operators.addCap(requested, n);
      }
      drain();
    }

    @Override
    public void cancel() {
      Subscription s;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        discardAll();
        s = upstream;
      }
      if (s != null) {
        s.cancel();
      }
    }

    private void timedOut(long mine) {
      synchronized (this) {
        if (mine != generation || open.isEmpty()) {
          return;
        }
        timeout = null;
        overdue = true;
      }
      drain();
    }

    /** Moves the open batch to the ready queue and forgets its timeout. Under the lock. */
    private void closeOpen() {
      ready.add(open);
      open = new ArrayList<>(maxBatch);
      closeOpenState();
    }

    private void discardAll() {
      ready.clear();
      open.clear();
      held = 0;
      generation++;
      if (timeout != null) {
        timeout.dispose();
        timeout = null;
      }
    }

    /** Frames to ask upstream for so that what we hold or await covers the batches asked of us. */
    private long upstreamShortfall() {
      if (done || upstream == null) {
        return 0;
      }
      if (requested == Long.MAX_VALUE) {
        if (outstanding == Long.MAX_VALUE) {
          return 0;
        }
        outstanding = Long.MAX_VALUE;
        return Long.MAX_VALUE;
      }
      if (outstanding == Long.MAX_VALUE) {
        return 0;
      }
      long want = Math.min(requested, Integer.MAX_VALUE) * maxBatch - held - outstanding;
      if (want <= 0) {
        return 0;
      }
      outstanding += want;
      return want;
    }

    /** Emits what demand allows, then tops up upstream demand; one thread at a time. */
    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      do {
        for (; ; ) {
          List<T> batch = null;
          Throwable failure = null;
          boolean complete = false;
          long ask = 0;
          Subscription s;
          synchronized (this) {
            if (cancelled || terminated) {
              break;
            }
            s = upstream;
            if (error != null) {
              failure = error;
              terminated = true;
              discardAll();
            } else if (requested > 0 && !ready.isEmpty()) {
              batch = ready.poll();
            } else if (requested > 0 && (overdue || done) && !open.isEmpty()) {
              batch = open;
              open = new ArrayList<>(maxBatch);
              closeOpenState();
            } else if (done && ready.isEmpty() && open.isEmpty()) {
              complete = true;
              terminated = true;
            } else {
              ask = upstreamShortfall();
            }
            if (batch != null) {
              held -= batch.size();
              if (requested != Long.MAX_VALUE) {
                requested--;
              }
            }
          }
          if (failure != null) {
            actual.onError(failure);
            break;
          }
          if (complete) {
            actual.onComplete();
            break;
          }
          if (batch != null) {
            actual.onNext(batch);
            continue;
          }
          if (ask > 0) {
            s.request(ask);
          }
          break;
        }
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    /** The open batch just left: reset its timeout state. Under the lock. */
    private void closeOpenState() {
      overdue = false;
      generation++;
      if (timeout != null) {
        timeout.dispose();
        timeout = null;
      }
    }
  }
}
