package io.framegate.pipeline.batch;

import java.time.Duration;
import java.util.Objects;

/**
 * How a model's frames are grouped: at most {@code maxBatch} frames per batch, a partial batch
 * leaves after {@code maxDelay}, and at most {@code queueCapacity} frames wait (queued or being
 * batched) before new ones are refused.
 */
public record BatchPolicy(int maxBatch, Duration maxDelay, int queueCapacity) {

  public BatchPolicy {
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, is " + maxBatch);
    }
    if (maxDelay.isNegative() || maxDelay.isZero()) {
      throw new IllegalArgumentException("maxDelay must be positive, is " + maxDelay);
    }
    if (queueCapacity < maxBatch) {
      throw new IllegalArgumentException(
          "queueCapacity ("
              + queueCapacity
              + ") must be at least maxBatch ("
              + maxBatch
              + ") so that a full batch can form");
    }
  }
}
