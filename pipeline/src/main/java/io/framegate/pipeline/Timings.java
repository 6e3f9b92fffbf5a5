package io.framegate.pipeline;

/**
 * Where a frame's time went.
 *
 * @param queueMicros from submission until its batch started to run (batching, decoding, waiting
 *     for the device)
 * @param computeMicros running its batch
 * @param totalMicros from submission until its result was ready
 * @param batchSize frames in the batch it ran in
 */
public record Timings(long queueMicros, long computeMicros, long totalMicros, int batchSize) {

  public static final Timings NONE = new Timings(0, 0, 0, 0);
}
