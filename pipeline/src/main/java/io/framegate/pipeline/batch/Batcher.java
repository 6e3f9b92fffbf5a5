package io.framegate.pipeline.batch;

import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The per-model batching stage: a batch leaves as soon as it holds {@code maxBatch} frames, or
 * {@code maxDelay} after its first frame arrived, whichever comes first.
 *
 * <p>Batches the device cannot take yet wait in a buffer after this stage. Memory stays bounded all
 * the same: a frame counts against the model's queue capacity until a batch claims it, and a
 * waiting frame can still be dropped or cancelled. Reactor's fair-backpressure variant of
 * bufferTimeout (which would keep those frames upstream instead) is not used: under a steady
 * trickle of single frames it stops emitting now and then, leaving a partial batch unflushed for
 * good (reproduced with reactor-core 3.8.0 and 3.8.6; see PipelineLivenessIT).
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
    return frames.bufferTimeout(policy.maxBatch(), policy.maxDelay(), timer).onBackpressureBuffer();
  }
}
