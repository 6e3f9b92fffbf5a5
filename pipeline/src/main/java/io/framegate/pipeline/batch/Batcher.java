package io.framegate.pipeline.batch;

import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The per-model batching stage: a batch leaves as soon as it holds {@code maxBatch} frames, or
 * {@code maxDelay} after its first frame arrived, whichever comes first.
 *
 * <p>Backpressure is fair: the stage pulls frames from upstream only as fast as downstream takes
 * batches, so frames the device cannot take yet stay in the bounded queue upstream (where they can
 * still be refused, dropped or cancelled) rather than piling up here.
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
    return frames.bufferTimeout(policy.maxBatch(), policy.maxDelay(), timer, true);
  }
}
