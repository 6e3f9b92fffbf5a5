package io.framegate.pipeline.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

class BatcherTest {

  private static final Duration DELAY = Duration.ofMillis(100);

  private static Batcher batcher(int maxBatch) {
    // Inside withVirtualTime, Schedulers.parallel() is the virtual clock.
    return new Batcher(new BatchPolicy(maxBatch, DELAY, 64), Schedulers.parallel());
  }

  @Test
  void fullBatchesLeaveAtOnceAndTheRemainderAfterMaxDelay() {
    StepVerifier.withVirtualTime(() -> batcher(3).apply(Flux.range(1, 7).concatWith(Flux.never())))
        .expectSubscription()
        .expectNext(List.of(1, 2, 3), List.of(4, 5, 6))
        .expectNoEvent(DELAY.minusMillis(1))
        .thenAwait(Duration.ofMillis(1))
        .expectNext(List.of(7))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void partialBatchWaitsForMaxDelayCountedFromItsFirstFrame() {
    TestPublisher<Integer> src = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> batcher(4).apply(src.flux()))
        .expectSubscription()
        .then(() -> src.next(1, 2))
        .expectNoEvent(Duration.ofMillis(60))
        .then(() -> src.next(3))
        .expectNoEvent(Duration.ofMillis(39))
        .thenAwait(Duration.ofMillis(1))
        .expectNext(List.of(1, 2, 3))
        .expectNoEvent(Duration.ofMillis(30))
        // A later batch's wait is bounded by maxDelay too. (Not checked to the millisecond: the
        // virtual clock schedules from the time its last task ran, here 100 ms, not from its now.)
        .then(() -> src.next(4))
        .thenAwait(DELAY)
        .expectNext(List.of(4))
        .then(() -> src.next(5, 6, 7, 8))
        .expectNext(List.of(5, 6, 7, 8))
        .then(src::complete)
        .verifyComplete();
  }

  @Test
  void completionFlushesThePartialBatchWithoutWaiting() {
    StepVerifier.withVirtualTime(() -> batcher(4).apply(Flux.just(1, 2, 3, 4, 5)))
        .expectNext(List.of(1, 2, 3, 4), List.of(5))
        .verifyComplete();
  }

  @Test
  void asksUpstreamForExactlyOneBatchOfFramesPerBatchAskedFor() {
    AtomicLong requested = new AtomicLong();
    int max = 3;
    StepVerifier.withVirtualTime(
            () ->
                batcher(max)
                    .apply(
                        Flux.range(1, 1_000)
                            .doOnRequest(n -> requested.addAndGet(Math.min(n, 1_000_000)))),
            1)
        .expectNext(List.of(1, 2, 3))
        .then(() -> assertEquals(max, requested.get(), "frames pulled for one batch"))
        .expectNoEvent(DELAY.multipliedBy(3))
        .then(() -> assertEquals(max, requested.get(), "no demand, yet the batcher pulled"))
        .thenRequest(2)
        .expectNext(List.of(4, 5, 6), List.of(7, 8, 9))
        .then(() -> assertEquals(3 * max, requested.get(), "frames pulled for three batches"))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aTimedOutBatchWaitsForDemandAndGoesOnFillingMeanwhile() {
    TestPublisher<Integer> src = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> batcher(3).apply(src.flux()), 1)
        .expectSubscription()
        .then(() -> src.assertMinRequested(3))
        .then(() -> src.next(1))
        .thenAwait(DELAY)
        .expectNext(List.of(1))
        // The two frames still asked for may come while nobody wants a batch: they are kept.
        .then(() -> src.next(2))
        .expectNoEvent(DELAY.multipliedBy(2))
        .then(() -> src.next(3))
        .expectNoEvent(DELAY)
        .then(() -> src.assertMaxRequested(0))
        .thenRequest(1)
        .expectNext(List.of(2, 3))
        .then(src::complete)
        .verifyComplete();
  }

  @Test
  void anUpstreamErrorIsPassedOnAtOnce() {
    TestPublisher<Integer> src = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> batcher(3).apply(src.flux()))
        .expectSubscription()
        .then(() -> src.next(1))
        .then(() -> src.error(new IllegalStateException("queue broke")))
        .expectErrorMessage("queue broke")
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aBatchOfOneLeavesWithItsFrame() {
    StepVerifier.withVirtualTime(
            () -> batcher(1).apply(Flux.just(1, 2, 3).concatWith(Flux.never())))
        .expectNext(List.of(1), List.of(2), List.of(3))
        .expectNoEvent(DELAY.multipliedBy(2))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void policyRefusesSizesThatCannotWork() {
    assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(0, DELAY, 4));
    assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(2, Duration.ZERO, 4));
    assertThrows(
        IllegalArgumentException.class, () -> new BatchPolicy(2, Duration.ofMillis(-1), 4));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(8, DELAY, 4));
    assertTrue(e.getMessage().contains("queueCapacity (4)"), e.getMessage());
    assertEquals(8, new BatchPolicy(8, DELAY, 8).maxBatch());
  }
}
