package io.framegate.accelerator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

  @Test
  void everyIndexRunsExactlyOnceOverManyLoops() {
    try (WorkerPool pool = new WorkerPool(3, "test")) {
      for (int total : new int[] {1, 2, 3, 7, 12, 13, 100, 1001}) {
        for (int round = 0; round < 50; round++) {
          AtomicIntegerArray hits = new AtomicIntegerArray(total);
          pool.forRange(
              total,
              (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                  hits.incrementAndGet(i);
                }
              });
          for (int i = 0; i < total; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of " + total);
          }
        }
      }
    }
  }

  @Test
  void theCallerRunsTheFirstShareFirstAndAnyThreadFinishesALateOne() throws Exception {
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      for (int round = 0; round < 200; round++) {
        // the second share waits until the first has started: only a thread that took the first
        // share before anything else can start it, and the worker takes its own share first
        CountDownLatch firstStarted = new CountDownLatch(1);
        AtomicReferenceArray<Thread> ranBy = new AtomicReferenceArray<>(2);
        pool.forRange(
            2,
            (lo, hi) -> {
              ranBy.set(lo, Thread.currentThread());
              if (lo == 0) {
                firstStarted.countDown();
              } else {
                try {
                  firstStarted.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }
            });
        assertEquals(Thread.currentThread(), ranBy.get(0), "round " + round);
        assertTrue(ranBy.get(1) != null, "round " + round);
      }
    }
  }

  @Test
  void aFailingRangeFailsTheLoopAndThePoolStaysUsable() {
    try (WorkerPool pool = new WorkerPool(2, "test")) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  pool.forRange(
                      64,
                      (lo, hi) -> {
                        if (lo <= 40 && 40 < hi) {
                          throw new IllegalStateException("boom at " + lo);
                        }
                      }));
      assertTrue(e.getMessage().startsWith("boom"), e.getMessage());
      AtomicIntegerArray hits = new AtomicIntegerArray(10);
      pool.forRange(10, (lo, hi) -> hits.addAndGet(0, hi - lo));
      assertEquals(10, hits.get(0));
    }
  }

  @Test
  void rejectsZeroThreads() {
    assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0, "x"));
  }
}
