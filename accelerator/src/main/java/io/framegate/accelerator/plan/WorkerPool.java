package io.framegate.accelerator.plan;

import io.framegate.accelerator.op.Loops;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that run the ranges of one parallel loop at a time. The caller
 * takes part too, and nothing is allocated per loop, so a steady-state inference produces no
 * garbage here. Owned by one plan (not the common pool: the gateway's network threads share the
 * same cores).
 *
 * <p>Thread t (the caller is thread 0) owns the t-th contiguous share of a loop's chunks and runs
 * them first, in order, before it takes chunks left in the other threads' shares. Consecutive loops
 * over the same positions (a plan's layers) thus give each thread the same part of the data as a
 * rule, which its core wrote or read last and still has in its own cache; a late or slow thread's
 * chunks are still done by the others.
 */
public final class WorkerPool implements Loops, AutoCloseable {
  private final Thread[] workers;
  private final int parallelism;

  /**
   * Per thread, at index t·{@link #PAD}: (generation &lt;&lt; 32) | the next chunk of its share, so
   * that a late worker can never claim a chunk of a newer loop. Padded to keep each thread's
   * counter on a cache line of its own.
   */
  private final AtomicLongArray next;

  /** Longs between two threads' counters (two cache lines). */
  private static final int PAD = 16;

  private final AtomicInteger doneChunks = new AtomicInteger();
  private volatile Range body;
  private volatile int total;
  private volatile int chunks;
  private volatile int generation;
  private volatile boolean closed;
  private volatile Thread caller;
  private volatile Throwable failure;

  /**
   * @param threads total threads working on a loop, the caller included
   */
  public WorkerPool(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, is " + threads);
    }
    this.parallelism = threads;
    this.next = new AtomicLongArray(threads * PAD);
    this.workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      int index = i + 1;
      workers[i] =
          Thread.ofPlatform().daemon().name(name + "-" + index).unstarted(() -> work(index));
      workers[i].start();
    }
  }

  public int parallelism() {
    return parallelism;
  }

  @Override
  public void forRange(int n, Range range) {
    if (n <= 0) {
      return;
    }
    if (workers.length == 0 || n == 1) {
      range.run(0, n);
      return;
    }
    // a few chunks per thread even out uneven rows; never more chunks than iterations
    int c = Math.min(n, parallelism * 4);
    body = range;
    total = n;
    chunks = c;
    failure = null;
    doneChunks.set(0);
    caller = Thread.currentThread();
    int g = generation + 1;
    for (int t = 0; t < parallelism; t++) {
      next.set(t * PAD, ((long) g << 32) | shareStart(t, c));
    }
    generation = g;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    runChunks(0, g);
    // the other threads finish their last chunks moments after the caller does, as a rule: a
    // parked caller would pay a wake-up on every loop, so it waits actively for a moment first
    long since = System.nanoTime();
    for (int spins = 1; doneChunks.get() < c; spins++) {
      if (spinning(spins, since)) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
    Throwable t = failure;
    if (t != null) {
      if (t instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("kernel failed", t);
    }
  }

  /** The first of thread t's chunks when a loop has c of them. */
  private int shareStart(int t, int c) {
    return (int) ((long) c * t / parallelism);
  }

  /** Runs thread {@code self}'s share of loop g's chunks, then whatever is left of the others'. */
  private void runChunks(int self, int g) {
    int c = chunks;
    for (int i = 0; i < parallelism; i++) {
      int t = (self + i) % parallelism;
      int end = shareStart(t + 1, c);
      for (int k = claim(t, g, end); k >= 0; k = claim(t, g, end)) {
        run(k, c);
      }
    }
  }

  /** The next chunk of thread t's share of loop g, or -1 when none is left. */
  private int claim(int t, int g, int end) {
    while (true) {
      long v = next.get(t * PAD);
      int k = (int) v;
      if ((int) (v >>> 32) != g || k >= end) {
        return -1;
      }
      if (next.compareAndSet(t * PAD, v, v + 1)) {
        return k;
      }
    }
  }

  /** Runs chunk k of c. */
  private void run(int k, int c) {
    int n = total;
    int lo = (int) ((long) n * k / c);
    int hi = (int) ((long) n * (k + 1) / c);
    try {
      body.run(lo, hi);
    } catch (Throwable t) {
      failure = t;
    }
    if (doneChunks.incrementAndGet() == c) {
      LockSupport.unpark(caller);
    }
  }

  private void work(int self) {
    int seen = 0;
    long idleSince = System.nanoTime();
    int spins = 0;
    while (!closed) {
      int g = generation;
      if (g != seen) {
        seen = g;
        runChunks(self, g);
        idleSince = System.nanoTime();
        spins = 0;
      } else if (spinning(++spins, idleSince)) {
        // a plan runs its steps' loops back to back: waking a parked thread costs tens of
        // microseconds, longer than many small layers take, so wait actively for a moment first
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
  }

  /**
   * Whether a thread that has waited {@code spins} times since {@code since} (System.nanoTime)
   * should keep waiting actively rather than park; the clock is read only after the first spins.
   */
  private static boolean spinning(int spins, long since) {
    return spins < SPIN_CHECKS || System.nanoTime() - since < SPIN_NANOS;
  }

  /** How long an idle thread waits actively for work before it parks. */
  private static final long SPIN_NANOS = 200_000;

  /** Spins before the clock is read at all. */
  private static final int SPIN_CHECKS = 64;

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
