package io.framegate.pipeline;

import io.framegate.pipeline.ingest.EncodedImage;
import java.util.Objects;

/**
 * One frame to run. Checked when submitted, not here, so that a malformed frame fails alone and in
 * its stream's order.
 *
 * @param streamId echoed in the result
 * @param sequence echoed in the result
 * @param timestampMicros capture time, echoed in the result
 * @param latestWins when this frame arrives, older frames of its stream that have not started
 *     running are dropped (and counted in this frame's result)
 * @param topK classes to report from the first output; 0 for none
 */
public record FrameRequest(
    String streamId,
    long sequence,
    long timestampMicros,
    EncodedImage image,
    boolean latestWins,
    int topK) {

  public FrameRequest {
    Objects.requireNonNull(image, "image");
    streamId = streamId == null ? "" : streamId;
  }

  public static FrameRequest of(String streamId, long sequence, EncodedImage image) {
    return new FrameRequest(streamId, sequence, 0, image, false, 0);
  }
}
