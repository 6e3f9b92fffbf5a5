package io.framegate.gateway.server;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.pipeline.ClassScore;
import io.framegate.pipeline.FrameRequest;
import io.framegate.pipeline.FrameResult;
import io.framegate.pipeline.FrameStream;
import io.framegate.pipeline.Timings;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import io.framegate.proto.video.Frame;
import io.framegate.proto.video.RawOutput;
import io.framegate.proto.video.VideoInferenceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code framegate.video.VideoInference/Stream}: frames in, results out in the order the frames
 * came, one result per frame (a frame that fails yields a result with {@code error} and the stream
 * goes on), none for frames dropped by latest-wins (counted in the next result's {@code
 * dropped_before}).
 *
 * <p>One call may carry several stream ids and models; each (model, stream id) is one pipeline
 * {@link FrameStream}, so latest-wins applies per stream id. Results leave in the call's frame
 * order, which is each stream's sequence order.
 *
 * <p>Flow control: see {@link OrderedResponder}; the client can have at most {@link #WINDOW} frames
 * in flight on a call, so a slow device slows the sender instead of filling memory.
 */
final class VideoStreamService extends VideoInferenceGrpc.VideoInferenceImplBase {
  /** Frames of one call accepted and not yet answered. */
  static final int WINDOW = 32;

  private final ServingState state;

  VideoStreamService(ServingState state) {
    this.state = state;
  }

  @Override
  public StreamObserver<Frame> stream(
      StreamObserver<io.framegate.proto.video.FrameResult> responses) {
    ServerCallStreamObserver<io.framegate.proto.video.FrameResult> call =
        (ServerCallStreamObserver<io.framegate.proto.video.FrameResult>) responses;
    Call c = new Call(call);
    call.setOnCancelHandler(c::cancelled);
    state.opened(c.endOnShutdown);
    return c;
  }

  private final class Call implements StreamObserver<Frame> {
    private final OrderedResponder<io.framegate.proto.video.FrameResult> out;
    private final Map<String, FrameStream> streams = new ConcurrentHashMap<>();
    private final Runnable endOnShutdown;

    Call(ServerCallStreamObserver<io.framegate.proto.video.FrameResult> call) {
      this.out = new OrderedResponder<>(call, WINDOW);
      this.endOnShutdown =
          () -> {
            streams.values().forEach(FrameStream::complete);
            out.endWhenFlushed(Status.UNAVAILABLE.withDescription("the server is shutting down"));
          };
    }

    @Override
    public void onNext(Frame frame) {
      OrderedResponder.Slot<io.framegate.proto.video.FrameResult> slot = out.next();
      CompletableFuture<FrameResult> result;
      try {
        ServedModel model = state.model(frame.getModel());
        FrameRequest request =
            new FrameRequest(
                frame.getStreamId(),
                frame.getSequence(),
                frame.getTimestampUs(),
                new EncodedImage(
                    encoding(frame),
                    frame.getWidth(),
                    frame.getHeight(),
                    frame.getData().asReadOnlyByteBuffer()),
                frame.getLatestWins(),
                frame.getTopK());
        FrameStream stream =
            streams.computeIfAbsent(
                model.name() + "\u0000" + frame.getStreamId(),
                k -> {
                  FrameStream s = model.pipeline().openStream(frame.getStreamId());
                  // Results are taken from each frame's future, in this call's order; the stream's
                  // own ordered flux only needs draining.
                  s.results().subscribe();
                  return s;
                });
        result = stream.submit(request);
      } catch (RuntimeException e) {
        slot.complete(failed(frame, e));
        return;
      }
      result.whenComplete(
          (r, e) -> {
            if (e instanceof CancellationException) {
              slot.skip();
            } else if (e != null) {
              slot.complete(failed(frame, e));
            } else {
              slot.complete(toProto(r));
            }
          });
    }

    @Override
    public void onError(Throwable t) {
      cancelled();
    }

    @Override
    public void onCompleted() {
      streams.values().forEach(FrameStream::complete);
      out.endWhenFlushed(Status.OK);
      state.closed(endOnShutdown);
    }

    /** The client went away: its pending frames leave the queues, nothing more is written. */
    void cancelled() {
      out.abandon();
      streams.values().forEach(FrameStream::cancel);
      state.closed(endOnShutdown);
    }
  }

  private static Encoding encoding(Frame frame) {
    return switch (frame.getEncoding()) {
      case RAW_RGB24 -> Encoding.RAW_RGB24;
      case RAW_BGR24 -> Encoding.RAW_BGR24;
      case GRAY8 -> Encoding.GRAY8;
      case JPEG -> Encoding.JPEG;
      case PNG -> Encoding.PNG;
      case FP32_CHW -> Encoding.FP32_CHW;
      case ENCODING_UNSPECIFIED, UNRECOGNIZED ->
          throw new InvalidInputException(
              "frame "
                  + frame.getSequence()
                  + " has no encoding; set RAW_RGB24, RAW_BGR24, GRAY8, JPEG, PNG or FP32_CHW");
    };
  }

  private static io.framegate.proto.video.FrameResult failed(Frame frame, Throwable error) {
    return io.framegate.proto.video.FrameResult.newBuilder()
        .setStreamId(frame.getStreamId())
        .setSequence(frame.getSequence())
        .setTimestampUs(frame.getTimestampUs())
        .setError(StatusMapping.describe(error))
        .build();
  }

  static io.framegate.proto.video.FrameResult toProto(FrameResult r) {
    Timings t = r.timings();
    io.framegate.proto.video.FrameResult.Builder b =
        io.framegate.proto.video.FrameResult.newBuilder()
            .setStreamId(r.streamId())
            .setSequence(r.sequence())
            .setTimestampUs(r.timestampMicros())
            .setDroppedBefore(r.droppedBefore())
            .setTimings(
                io.framegate.proto.video.Timings.newBuilder()
                    .setQueueUs(t.queueMicros())
                    .setComputeUs(t.computeMicros())
                    .setTotalUs(t.totalMicros())
                    .setBatchSize(t.batchSize()));
    if (!r.ok()) {
      return b.setError(StatusMapping.describe(r.error())).build();
    }
    if (!r.top().isEmpty()) {
      for (ClassScore c : r.top()) {
        b.addTop(
            io.framegate.proto.video.Class.newBuilder()
                .setIndex(c.index())
                .setScore(c.score())
                .setLabel(c.label()));
      }
      return b.build();
    }
    for (Map.Entry<String, Tensor> e : r.outputs().entrySet()) {
      Tensor v = e.getValue();
      RawOutput.Builder o = RawOutput.newBuilder().setName(e.getKey());
      for (int d : v.shape()) {
        o.addShape(d);
      }
      if (v.type() == DataType.INT64) {
        for (long x : v.longs()) {
          o.addData(x);
        }
      } else {
        for (float x : v.floats()) {
          o.addData(x);
        }
      }
      b.addOutputs(o);
    }
    return b.build();
  }
}
