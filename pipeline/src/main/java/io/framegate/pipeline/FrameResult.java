package io.framegate.pipeline;

import io.framegate.accelerator.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A frame's outcome: its outputs (batch dimension 1, owned by the receiver) and top classes, or the
 * error that failed it alone.
 *
 * @param error null on success; a {@link io.framegate.accelerator.error.FramegateException} for the
 *     causes the gateway maps to a status, any other exception for internal failures
 * @param droppedBefore frames of this stream dropped by latest-wins just before this one
 */
public record FrameResult(
    String streamId,
    long sequence,
    long timestampMicros,
    Map<String, Tensor> outputs,
    List<ClassScore> top,
    Timings timings,
    RuntimeException error,
    long droppedBefore) {

  public FrameResult {
    outputs = outputs == null ? Map.of() : outputs;
    top = top == null ? List.of() : List.copyOf(top);
    timings = timings == null ? Timings.NONE : timings;
  }

  static FrameResult failed(FrameRequest request, RuntimeException error, Timings timings) {
    return new FrameResult(
        request.streamId(),
        request.sequence(),
        request.timestampMicros(),
        Map.of(),
        List.of(),
        timings,
        error,
        0);
  }

  public boolean ok() {
    return error == null;
  }

  FrameResult withDroppedBefore(long dropped) {
    return dropped == droppedBefore
        ? this
        : new FrameResult(
            streamId, sequence, timestampMicros, outputs, top, timings, error, dropped);
  }
}
