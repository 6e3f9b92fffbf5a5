package io.framegate.pipeline;

/**
 * Hooks for whoever exports metrics (the gateway, with Micrometer). Called on pipeline threads:
 * implementations must be cheap and thread-safe. Every method defaults to doing nothing.
 */
public interface PipelineMetrics {

  PipelineMetrics NONE = new PipelineMetrics() {};

  /** Frames accepted and not yet taken into a batch, after every change. */
  default void queueDepth(String model, int depth) {}

  /**
   * A batch ran.
   *
   * @param frames frames in the batch
   * @param paddedTo the compiled batch size it ran at
   * @param device the device that produced the result (the fallback's name after a failure)
   */
  default void batch(String model, String device, int frames, int paddedTo, long computeNanos) {}

  /** A frame finished, successfully or not; {@code device} is null if it never reached one. */
  default void frame(String model, String device, long queueNanos, long totalNanos, boolean ok) {}

  /** Frames refused at submission because the queue was full. */
  default void rejected(String model) {}

  /** Frames dropped because a newer frame of a latest-wins stream arrived. */
  default void dropped(String model, int frames) {}

  /** A batch meant for {@code device} ran on the fallback instead, because of {@code cause}. */
  default void fallback(String model, String device, Throwable cause) {}

  /**
   * A shadow check re-ran one of {@code device}'s batches on the JVM reference.
   *
   * @param maxRelativeError max |device − reference| ÷ max |reference| over the outputs
   * @param withinTolerance false takes the device out of service
   */
  default void shadowCheck(
      String model, String device, double maxRelativeError, boolean withinTolerance) {}
}
