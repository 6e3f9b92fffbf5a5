package io.framegate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.proto.inference.GRPCInferenceServiceGrpc;
import io.framegate.proto.inference.ModelInferRequest;
import io.framegate.proto.video.Encoding;
import io.framegate.proto.video.Frame;
import io.framegate.proto.video.FrameResult;
import io.framegate.proto.video.VideoInferenceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VideoStreamTest {
  private static final float TOL = 1e-5f;

  private final TinyModel tiny = new TinyModel(23);
  private GatewayHarness gw;
  private TinyModel.Gate gate;

  @AfterEach
  void stop() throws InterruptedException {
    if (gate != null) {
      gate.open();
    }
    if (gw != null) {
      gw.close();
    }
  }

  private Recording serveGated(BatchPolicy policy) {
    gw = new GatewayHarness();
    gate = new TinyModel.Gate();
    Recording rec = new Recording(gw.metrics);
    served = tiny.serve("tiny", policy, rec, gate);
    gw.serve(List.of(served));
    return rec;
  }

  /** One client call: frames out, results collected until the server ends the call. */
  private final class Client implements StreamObserver<FrameResult> {
    final List<FrameResult> results = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Status> end = new CompletableFuture<>();
    final StreamObserver<Frame> frames;

    Client() {
      frames = VideoInferenceGrpc.newStub(gw.channel).stream(this);
    }

    @Override
    public void onNext(FrameResult r) {
      results.add(r);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    Status awaitEnd() throws Exception {
      return end.get(60, TimeUnit.SECONDS);
    }
  }

  private static Frame frame(String stream, long seq, byte[] rgb) {
    return Frame.newBuilder()
        .setStreamId(stream)
        .setSequence(seq)
        .setTimestampUs(1000 + seq)
        .setEncoding(Encoding.RAW_RGB24)
        .setWidth(TinyModel.W)
        .setHeight(TinyModel.H)
        .setData(ByteString.copyFrom(rgb))
        .build();
  }

  private void assertMatchesEngine(byte[] rgb, FrameResult r) {
    assertEquals("", r.getError(), "frame " + r.getSequence());
    float[] want = tiny.direct(TinyModel.chw(rgb));
    List<Float> have = r.getOutputs(0).getDataList();
    assertEquals(want.length, have.size());
    for (int i = 0; i < want.length; i++) {
      assertEquals(
          want[i], have.get(i), TOL * Math.max(1, Math.abs(want[i])), "frame " + r.getSequence());
    }
  }

  @Test
  void eightConcurrentStreamsGetEveryResultOnceInOrderEqualToTheEngine() throws Exception {
    gw = new GatewayHarness();
    gw.serve(
        List.of(
            tiny.serve("tiny", new BatchPolicy(8, Duration.ofMillis(2), 256), gw.metrics, null)));
    int streams = 8;
    int n = 200;
    ExecutorService senders = Executors.newFixedThreadPool(streams);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        String id = "cam-" + s;
        long seed = s;
        done.add(
            senders.submit(
                () -> {
                  Random r = new Random(seed);
                  List<byte[]> sent = new ArrayList<>();
                  Client c = new Client();
                  for (int i = 0; i < n; i++) {
                    byte[] px = TinyModel.randomRgb(r);
                    sent.add(px);
                    c.frames.onNext(frame(id, i, px));
                  }
                  c.frames.onCompleted();
                  assertEquals(Status.Code.OK, c.awaitEnd().getCode());
                  assertEquals(n, c.results.size(), id);
                  for (int i = 0; i < n; i++) {
                    FrameResult res = c.results.get(i);
                    assertEquals(id, res.getStreamId());
                    assertEquals(i, res.getSequence(), id + " result order");
                    assertEquals(1000 + i, res.getTimestampUs());
                    assertTrue(res.getTimings().getBatchSize() >= 1);
                    assertMatchesEngine(sent.get(i), res);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      senders.shutdownNow();
    }
  }

  @Test
  void topKComesWithLabels() throws Exception {
    gw = new GatewayHarness();
    gw.serve(List.of(tiny.serve("tiny", gw.metrics)));
    byte[] px = TinyModel.randomRgb(new Random(5));
    Client c = new Client();
    c.frames.onNext(frame("s", 0, px).toBuilder().setTopK(2).build());
    c.frames.onCompleted();
    c.awaitEnd();
    float[] want = tiny.direct(TinyModel.chw(px));
    int best = 0;
    for (int i = 1; i < want.length; i++) {
      best = want[i] > want[best] ? i : best;
    }
    FrameResult r = c.results.get(0);
    assertEquals(2, r.getTopCount());
    assertEquals(best, r.getTop(0).getIndex());
    assertEquals(String.valueOf((char) ('a' + best)), r.getTop(0).getLabel());
    assertEquals(want[best], r.getTop(0).getScore(), TOL);
    assertTrue(r.getTop(0).getScore() >= r.getTop(1).getScore());
    assertEquals(0, r.getOutputsCount());
  }

  @Test
  void badFramesFailAloneAndTheStreamGoesOn() throws Exception {
    gw = new GatewayHarness();
    gw.serve(List.of(tiny.serve("tiny", gw.metrics)));
    Random r = new Random(7);
    List<byte[]> sent = new ArrayList<>();
    Client c = new Client();
    for (int i = 0; i < 12; i++) {
      byte[] px = TinyModel.randomRgb(r);
      sent.add(px);
      Frame f = frame("s", i, px);
      f =
          switch (i) {
            case 2 -> f.toBuilder().setData(f.getData().substring(1)).build();
            case 5 -> f.toBuilder().setEncoding(Encoding.ENCODING_UNSPECIFIED).build();
            case 7 -> f.toBuilder().setModel("missing").build();
            case 9 -> f.toBuilder().setEncoding(Encoding.JPEG).build();
            default -> f;
          };
      c.frames.onNext(f);
    }
    c.frames.onCompleted();
    assertEquals(Status.Code.OK, c.awaitEnd().getCode());
    assertEquals(12, c.results.size());
    for (int i = 0; i < 12; i++) {
      FrameResult res = c.results.get(i);
      assertEquals(i, res.getSequence());
      switch (i) {
        case 2, 5, 9 -> assertTrue(res.getError().startsWith("INVALID_ARGUMENT: "), res.getError());
        case 7 -> assertTrue(res.getError().startsWith("NOT_FOUND: "), res.getError());
        default -> assertMatchesEngine(sent.get(i), res);
      }
    }
  }

  @Test
  void aFullQueueRefusesTheExtraFramesAndServesTheOthers() throws Exception {
    Recording rec = serveGated(new BatchPolicy(1, Duration.ofMillis(1), 2));
    gate.close();
    Random r = new Random(9);
    List<byte[]> sent = new ArrayList<>();
    Client c = new Client();
    for (int i = 0; i < 8; i++) {
      byte[] px = TinyModel.randomRgb(r);
      sent.add(px);
      c.frames.onNext(frame("s", i, px));
      if (i == 0) {
        gate.awaitEntered();
      }
    }
    // The device holds frame 0 and the queue takes two more, so some of the rest must be refused.
    rec.awaitRejected(1);
    gate.open();
    c.frames.onCompleted();
    assertEquals(Status.Code.OK, c.awaitEnd().getCode());
    assertEquals(8, c.results.size());
    int refused = 0;
    for (int i = 0; i < 8; i++) {
      FrameResult res = c.results.get(i);
      assertEquals(i, res.getSequence());
      if (res.getError().isEmpty()) {
        assertMatchesEngine(sent.get(i), res);
      } else {
        assertTrue(res.getError().startsWith("RESOURCE_EXHAUSTED: "), res.getError());
        refused++;
      }
    }
    assertMatchesEngine(sent.get(0), c.results.get(0));
    assertEquals(rec.rejected(), refused);
    assertTrue(refused >= 1 && refused <= 5, "refused " + refused);
  }

  @Test
  void latestWinsDropsOlderPendingFramesAndCountsThem() throws Exception {
    Recording rec = serveGated(new BatchPolicy(1, Duration.ofMillis(1), 16));
    gate.close();
    Random r = new Random(13);
    List<byte[]> sent = new ArrayList<>();
    Client c = new Client();
    for (int i = 0; i < 6; i++) {
      byte[] px = TinyModel.randomRgb(r);
      sent.add(px);
      c.frames.onNext(frame("s", i, px).toBuilder().setLatestWins(true).build());
      if (i == 0) {
        gate.awaitEntered();
      }
    }
    rec.awaitAccepted(6);
    gate.open();
    c.frames.onCompleted();
    assertEquals(Status.Code.OK, c.awaitEnd().getCode());
    // Frame 0 runs and the newest survives; of the rest, those not yet taken into a batch (the
    // pipeline may have started on the next one) are dropped, each counted in the result of the
    // frame that replaced it: every frame is either answered or counted, once.
    List<FrameResult> res = c.results;
    assertEquals(0, res.get(0).getSequence());
    FrameResult last = res.get(res.size() - 1);
    assertEquals(5, last.getSequence());
    assertMatchesEngine(sent.get(5), last);
    assertTrue(last.getDroppedBefore() >= 1, "dropped before the newest " + last);
    long reported = res.stream().mapToLong(FrameResult::getDroppedBefore).sum();
    assertEquals(rec.dropped(), reported);
    assertEquals(6, res.size() + reported);
    for (int i = 1; i < res.size(); i++) {
      assertTrue(res.get(i).getSequence() > res.get(i - 1).getSequence());
      assertMatchesEngine(sent.get((int) res.get(i).getSequence()), res.get(i));
    }
  }

  @Test
  void cancellingACallReleasesItsPendingFrames() throws Exception {
    Recording rec = serveGated(new BatchPolicy(1, Duration.ofMillis(1), 16));
    gate.close();
    Random r = new Random(17);
    Client c = new Client();
    for (int i = 0; i < 5; i++) {
      c.frames.onNext(frame("s", i, TinyModel.randomRgb(r)));
      if (i == 0) {
        gate.awaitEntered();
      }
    }
    rec.awaitAccepted(5);
    ((ClientCallStreamObserver<Frame>) c.frames).cancel("client gave up", null);
    rec.awaitDepth(d -> d == 0);
    assertEquals(0, served.pipeline().queueDepth());
    gate.open();
    // The model still serves new streams.
    Client next = new Client();
    byte[] px = TinyModel.randomRgb(r);
    next.frames.onNext(frame("t", 0, px));
    next.frames.onCompleted();
    assertEquals(Status.Code.OK, next.awaitEnd().getCode());
    assertMatchesEngine(px, next.results.get(0));
  }

  private ServedModel served;

  @Test
  void shutdownDrainsAcceptedFramesAndRefusesNewWork() throws Exception {
    gw = new GatewayHarness();
    gate = new TinyModel.Gate();
    Recording rec = new Recording(gw.metrics);
    served = tiny.serve("tiny", new BatchPolicy(1, Duration.ofMillis(1), 16), rec, gate);
    gw.serve(List.of(served));
    gate.close();
    Random r = new Random(19);
    List<byte[]> sent = new ArrayList<>();
    Client c = new Client();
    for (int i = 0; i < 3; i++) {
      byte[] px = TinyModel.randomRgb(r);
      sent.add(px);
      c.frames.onNext(frame("s", i, px));
      if (i == 0) {
        gate.awaitEntered();
      }
    }
    rec.awaitAccepted(3);

    CompletableFuture<Void> stopped = gw.server.shutdown(Duration.ofSeconds(30));
    assertFalse(gw.server.ready());
    assertEquals(
        ServingStatus.NOT_SERVING,
        HealthGrpc.newBlockingStub(gw.channel)
            .check(HealthCheckRequest.getDefaultInstance())
            .getStatus());
    StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                GRPCInferenceServiceGrpc.newBlockingStub(gw.channel)
                    .modelInfer(
                        ModelInferRequest.newBuilder()
                            .setModelName("tiny")
                            .addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder()
                                    .setName(TinyModel.INPUT)
                                    .setDatatype("UINT8")
                                    .addAllShape(List.of(1L, 7L, 9L, 3L)))
                            .addRawInputContents(ByteString.copyFrom(sent.get(0)))
                            .build()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    c.frames.onNext(frame("s", 3, sent.get(0)));
    assertFalse(stopped.isDone());

    gate.open();
    Status end = c.awaitEnd();
    assertEquals(Status.Code.UNAVAILABLE, end.getCode());
    assertEquals(4, c.results.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(i, c.results.get(i).getSequence());
      assertMatchesEngine(sent.get(i), c.results.get(i));
    }
    assertTrue(
        c.results.get(3).getError().startsWith("UNAVAILABLE: "), c.results.get(3).getError());
    stopped.get(60, TimeUnit.SECONDS);
  }
}
