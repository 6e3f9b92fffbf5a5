package io.framegate.gateway.client;

import com.google.protobuf.ByteString;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.inference.ModelInferResponse;
import io.framegate.proto.inference.ModelMetadataRequest;
import io.framegate.proto.inference.ModelMetadataResponse;
import io.framegate.proto.video.Frame;
import io.framegate.proto.video.FrameResult;
import io.framegate.proto.video.VideoInferenceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of a framegate gateway: video streams (frames out, ordered results back) and KServe v2
 * inference. Thread-safe; one channel, closed with the client.
 */
public final class FramegateClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final boolean owned;

  /** Wraps a channel the caller keeps and closes. */
  public FramegateClient(ManagedChannel channel) {
    this(channel, false);
  }

  private FramegateClient(ManagedChannel channel, boolean owned) {
    this.channel = channel;
    this.owned = owned;
  }

  /** Connects in plaintext to {@code target} ("host:port"). */
  public static FramegateClient connect(String target) {
    ManagedChannel ch =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
            .maxInboundMessageSize(64 << 20)
            .build();
    return new FramegateClient(ch, true);
  }

  public ModelMetadataResponse metadata(String model) {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .modelMetadata(ModelMetadataRequest.newBuilder().setName(model).build());
  }

  public ModelInferResponse infer(ModelInferRequest request) {
    return GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(request);
  }

  /**
   * Runs one RGB image (interleaved, 8 bits, {@code height·width·3} bytes) through {@code model}.
   *
   * @return each output's values, by name, for this image
   */
  public Map<String, float[]> inferRgb(
      String model, String input, byte[] rgb, int width, int height) {
    ModelInferResponse r =
        infer(
            ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName(input)
                        .setDatatype("UINT8")
                        .addAllShape(List.of(1L, (long) height, (long) width, 3L)))
                .addRawInputContents(ByteString.copyFrom(rgb))
                .build());
    Map<String, float[]> out = new LinkedHashMap<>();
    for (int i = 0; i < r.getOutputsCount(); i++) {
      ByteBuffer raw =
          r.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] v = new float[raw.remaining() / 4];
      raw.asFloatBuffer().get(v);
      out.put(r.getOutputs(i).getName(), v);
    }
    return out;
  }

  /**
   * Opens a video stream; {@code onResult} is called for each result, in frame order, on a gRPC
   * thread.
   */
  public VideoStream openStream(Consumer<FrameResult> onResult) {
    VideoStream s = new VideoStream(onResult);
    VideoInferenceGrpc.newStub(channel).stream(s.observer);
    return s;
  }

  /**
   * One bidi call. {@link #send} waits while the transport is not ready, so memory stays bounded.
   */
  public static final class VideoStream implements AutoCloseable {
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final Object readiness = new Object();
    private volatile ClientCallStreamObserver<Frame> call;
    private final ClientResponseObserver<Frame, FrameResult> observer;

    private VideoStream(Consumer<FrameResult> onResult) {
      observer =
          new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Frame> requestStream) {
              call = requestStream;
              requestStream.setOnReadyHandler(
                  () -> {
                    synchronized (readiness) {
                      readiness.notifyAll();
                    }
                  });
            }

            @Override
            public void onNext(FrameResult r) {
              onResult.accept(r);
            }

            @Override
            public void onError(Throwable t) {
              ended.complete(Status.fromThrowable(t));
              wake();
            }

            @Override
            public void onCompleted() {
              ended.complete(Status.OK);
              wake();
            }
          };
    }

    private void wake() {
      synchronized (readiness) {
        readiness.notifyAll();
      }
    }

    /**
     * Sends a frame once the transport can take it.
     *
     * @throws IllegalStateException if the call has ended
     */
    public void send(Frame frame) throws InterruptedException {
      synchronized (readiness) {
        while (!call.isReady()) {
          if (ended.isDone()) {
            throw new IllegalStateException("the stream has ended: " + ended.join());
          }
          readiness.wait(1000);
        }
      }
      call.onNext(frame);
    }

    /** No more frames; results keep coming until the server ends the call. */
    public void complete() {
      call.onCompleted();
    }

    public void cancel() {
      call.cancel("cancelled by the client", null);
    }

    /** Completes with the call's final status: OK once every result has arrived. */
    public CompletableFuture<Status> ended() {
      return ended;
    }

    @Override
    public void close() {
      if (!ended.isDone()) {
        cancel();
      }
    }
  }

  @Override
  public void close() {
    if (owned) {
      channel.shutdown();
      try {
        if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
