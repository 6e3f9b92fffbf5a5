package io.framegate.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.error.CapacityExceededException;
import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.ShuttingDownException;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.dispatch.Dispatcher;
import io.framegate.pipeline.dispatch.Supervision;
import io.framegate.pipeline.ingest.ChannelOrder;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import io.framegate.pipeline.ingest.ModelInputSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

class ModelPipelineTest {
  private static final ModelInputSpec SPEC =
      ModelInputSpec.unitRange(FakeDevice.INPUT, 1, 1, 1, ChannelOrder.RGB);
  private static final Duration DELAY = Duration.ofMillis(100);

  private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
  private final List<FakeDevice> devices = new ArrayList<>();
  private final List<ModelPipeline> pipelines = new ArrayList<>();

  @AfterEach
  void tearDown() {
    devices.forEach(FakeDevice::release);
    for (ModelPipeline p : pipelines) {
      p.closeAsync().orTimeout(30, TimeUnit.SECONDS).join();
    }
    clock.dispose();
  }

  private FakeDevice device(float marker) {
    FakeDevice d = new FakeDevice(marker);
    devices.add(d);
    return d;
  }

  /** Decoding on the submitting thread and a virtual batching clock make the flow stepwise. */
  private ModelPipeline.Builder builder(int maxBatch, int capacity) {
    return ModelPipeline.builder("m", SPEC, new BatchPolicy(maxBatch, DELAY, capacity))
        .timer(clock)
        .ingest(Schedulers.immediate())
        .warmUp(false);
  }

  private ModelPipeline build(ModelPipeline.Builder b) {
    ModelPipeline p = b.build();
    pipelines.add(p);
    return p;
  }

  private static FrameRequest frame(String stream, int id, boolean latestWins, int topK) {
    return new FrameRequest(
        stream,
        id,
        1000L * id,
        EncodedImage.of(Encoding.GRAY8, 1, 1, new byte[] {(byte) id}),
        latestWins,
        topK);
  }

  private static FrameRequest frame(String stream, int id) {
    return frame(stream, id, false, 0);
  }

  private static FrameResult await(CompletableFuture<FrameResult> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private static int echoId(FrameResult r) {
    return (int) r.outputs().get("echo").floats()[0];
  }

  private static float echoMarker(FrameResult r) {
    return r.outputs().get("echo").floats()[1];
  }

  private static List<Long> sequences(List<FrameResult> rs) {
    return rs.stream().map(FrameResult::sequence).toList();
  }

  @Test
  void streamResultsComeInSubmissionOrderWhenALaterBatchFinishesFirst() throws Exception {
    FakeDevice slow = device(1).hold();
    FakeDevice fast = device(2);
    ModelPipeline p = build(builder(2, 16).device("slow", slow).device("fast", fast));
    FrameStream s = p.openStream("cam");
    List<FrameResult> out = new CopyOnWriteArrayList<>();
    AtomicBoolean completed = new AtomicBoolean();
    s.results().subscribe(out::add, e -> {}, () -> completed.set(true));

    CompletableFuture<FrameResult> f1 = s.submit(frame("cam", 1));
    CompletableFuture<FrameResult> f2 = s.submit(frame("cam", 2));
    slow.awaitRunStarted();
    CompletableFuture<FrameResult> f3 = s.submit(frame("cam", 3));
    CompletableFuture<FrameResult> f4 = s.submit(frame("cam", 4));

    FrameResult r3 = await(f3);
    await(f4);
    assertEquals(2f, echoMarker(r3), "the second batch ran on the idle device");
    assertTrue(out.isEmpty(), "results 3 and 4 must wait for 1 and 2, got " + sequences(out));
    assertFalse(f1.isDone());

    slow.release();
    await(f1);
    await(f2);
    s.complete();
    assertEquals(List.of(1L, 2L, 3L, 4L), sequences(out));
    for (FrameResult r : out) {
      assertTrue(r.ok());
      assertEquals(r.sequence(), echoId(r));
      assertEquals("cam", r.streamId());
      assertEquals(1000L * r.sequence(), r.timestampMicros());
      assertEquals(2, r.timings().batchSize());
      assertEquals(List.of(1, 2), List.of(r.outputs().get("echo").shape()[0], 2));
    }
    assertTrue(completed.get());
  }

  @Test
  void aFullQueueRefusesTheExtraFrameAtOnceWhileTheOthersComplete() throws Exception {
    int capacity = 3;
    FakeDevice d = device(1).hold();
    ModelPipeline p = build(builder(1, capacity).device("d", d));
    List<CompletableFuture<FrameResult>> accepted = new ArrayList<>();
    accepted.add(p.submit(frame("", 1)));
    d.awaitRunStarted();

    CompletableFuture<FrameResult> refused = null;
    for (int id = 2; id < 50 && refused == null; id++) {
      CompletableFuture<FrameResult> f = p.submit(frame("", id));
      if (f.isDone()) {
        refused = f;
      } else {
        accepted.add(f);
      }
    }
    assertTrue(refused != null && refused.isCompletedExceptionally(), "nothing was refused");
    assertEquals(capacity, p.queueDepth());
    // One frame runs, one batch is decoded ahead, the rest wait within the capacity.
    assertTrue(accepted.size() <= 2 + capacity, accepted.size() + " frames accepted");
    ExecutionException e = assertThrows(ExecutionException.class, refused::get);
    assertInstanceOf(CapacityExceededException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains(capacity + " frames waiting"));

    // In a stream the refusal is an error result, in order after the accepted frames.
    FrameStream s = p.openStream("cam");
    List<FrameResult> out = new CopyOnWriteArrayList<>();
    s.results().subscribe(out::add);
    CompletableFuture<FrameResult> inStream = s.submit(frame("cam", 60));
    assertTrue(inStream.isDone());
    assertInstanceOf(CapacityExceededException.class, inStream.get().error());

    d.release();
    for (CompletableFuture<FrameResult> f : accepted) {
      assertTrue(await(f).ok());
    }
    assertEquals(0, p.queueDepth());
    assertEquals(1, out.size());
    assertEquals(60, out.get(0).sequence());
  }

  @Test
  void latestWinsDropsPendingFramesAndReportsTheCount() throws Exception {
    FakeDevice d = device(1).hold();
    RecordingMetrics metrics = new RecordingMetrics();
    ModelPipeline p = build(builder(1, 16).device("d", d).metrics(metrics));
    FrameStream s = p.openStream("live");
    List<FrameResult> out = new CopyOnWriteArrayList<>();
    s.results().subscribe(out::add);

    CompletableFuture<FrameResult> f1 = s.submit(frame("live", 1));
    d.awaitRunStarted();
    CompletableFuture<FrameResult> f2 = s.submit(frame("live", 2));
    assertEquals(0, p.queueDepth(), "the next batch is decoded while the device is busy");
    CompletableFuture<FrameResult> f3 = s.submit(frame("live", 3, true, 0));
    CompletableFuture<FrameResult> f4 = s.submit(frame("live", 4, true, 0));
    CompletableFuture<FrameResult> f5 = s.submit(frame("live", 5, true, 0));
    assertEquals(1, p.queueDepth(), "only the newest pending frame is left");
    assertTrue(f3.isCancelled() && f4.isCancelled());

    d.release();
    await(f1);
    await(f2);
    FrameResult r5 = await(f5);
    s.complete();
    assertEquals(List.of(1L, 2L, 5L), sequences(out));
    assertEquals(List.of(0L, 0L, 2L), out.stream().map(FrameResult::droppedBefore).toList());
    assertEquals(2, r5.droppedBefore());
    assertEquals(List.of(1, 2, 5), List.copyOf(d.seen));
    assertEquals(2, metrics.dropped.get());
  }

  @Test
  void aFailingDeviceFallsBackAndIsCounted() throws Exception {
    FakeDevice gpu = device(1);
    gpu.failing = true;
    FakeDevice jvm = device(2);
    RecordingMetrics metrics = new RecordingMetrics();
    ModelPipeline p =
        build(builder(2, 16).device("gpu", gpu).fallback("jvm", jvm).metrics(metrics));

    List<CompletableFuture<FrameResult>> fs = new ArrayList<>();
    for (int id = 1; id <= 4; id++) {
      fs.add(p.submit(frame("", id)));
    }
    for (int i = 0; i < 4; i++) {
      FrameResult r = await(fs.get(i));
      assertEquals(i + 1, echoId(r));
      assertEquals(2f, echoMarker(r), "ran on the fallback");
    }
    assertEquals(1, gpu.runs.get(), "after the failure the device is skipped");
    assertEquals(2, p.fallbackBatches());
    assertFalse(p.devicesHealthy());
    assertEquals(2, metrics.fallbacks.size());
    assertTrue(metrics.fallbacks.get(0).contains("gpu: fake device lost"));
    assertTrue(metrics.batchDevices.stream().allMatch("jvm"::equals));

    gpu.failing = false;
    p.dispatchers().get(0).retryDevice();
    CompletableFuture<FrameResult> a = p.submit(frame("", 5));
    CompletableFuture<FrameResult> b = p.submit(frame("", 6));
    assertEquals(1f, echoMarker(await(a)), "back on the device once retried");
    await(b);
    assertTrue(p.devicesHealthy());
  }

  @Test
  void aFailedDeviceIsProbedAgainOnlyOnceItsBackoffHasPassed() throws Exception {
    FakeDevice gpu = device(1);
    gpu.failing = true;
    FakeDevice jvm = device(2);
    ModelPipeline p =
        build(
            builder(1, 16)
                .device("gpu", gpu)
                .fallback("jvm", jvm)
                .supervision(
                    Supervision.DEFAULT.withReprobe(Duration.ofHours(1), Duration.ofHours(2))));
    assertEquals(2f, echoMarker(await(p.submit(frame("", 1)))));
    gpu.failing = false;
    assertEquals(2f, echoMarker(await(p.submit(frame("", 2)))), "backoff not over");
    assertEquals(1, gpu.runs.get(), "the device was not tried during its backoff");

    FakeDevice gpu2 = device(3);
    gpu2.failing = true;
    ModelPipeline q =
        build(
            builder(1, 16)
                .device("gpu2", gpu2)
                .fallback("jvm", jvm)
                .supervision(Supervision.DEFAULT.withReprobe(Duration.ZERO, Duration.ZERO)));
    assertEquals(2f, echoMarker(await(q.submit(frame("", 3)))));
    assertEquals(2f, echoMarker(await(q.submit(frame("", 4)))), "the probe failed too");
    assertEquals(2, gpu2.runs.get(), "probed at the next batch");
    gpu2.failing = false;
    assertEquals(3f, echoMarker(await(q.submit(frame("", 5)))), "the probe found it working");
    assertTrue(q.devicesHealthy());
    assertEquals(2, q.fallbackBatches());
  }

  @Test
  void shadowVerificationComparesSampledDeviceBatchesWithTheReference() throws Exception {
    FakeDevice gpu = device(1);
    FakeDevice sameAsGpu = device(1);
    RecordingMetrics metrics = new RecordingMetrics();
    ModelPipeline p =
        build(
            builder(1, 16)
                .device("gpu", gpu)
                .fallback("jvm", device(2))
                .metrics(metrics)
                .supervision(Supervision.DEFAULT.withShadow(2, sameAsGpu, 1e-4)));
    for (int id = 1; id <= 6; id++) {
      assertEquals(1f, echoMarker(await(p.submit(frame("", id)))));
    }
    Dispatcher d = p.dispatchers().get(0);
    awaitShadow(d, 3);
    assertEquals(3, d.shadowChecks() + d.shadowSkipped(), "one in two of six batches");
    assertTrue(d.shadowChecks() >= 1, "the first sample finds the shadow thread free");
    assertEquals(d.shadowChecks(), sameAsGpu.runs.get());
    assertTrue(
        metrics.shadowVerdicts.stream().allMatch(ok -> ok), metrics.shadowVerdicts.toString());
    assertTrue(
        metrics.shadowErrors.stream().allMatch(e -> e == 0.0), metrics.shadowErrors.toString());
    assertTrue(p.devicesHealthy());
  }

  @Test
  void aDeviceThatDisagreesWithTheReferenceIsTakenOutOfService() throws Exception {
    FakeDevice gpu = device(1);
    FakeDevice differs = device(9);
    RecordingMetrics metrics = new RecordingMetrics();
    ModelPipeline p =
        build(
            builder(1, 16)
                .device("gpu", gpu)
                .fallback("jvm", device(2))
                .metrics(metrics)
                .supervision(
                    Supervision.DEFAULT
                        .withReprobe(Duration.ofHours(1), Duration.ofHours(1))
                        .withShadow(1, differs, 1e-4)));
    assertEquals(1f, echoMarker(await(p.submit(frame("", 1)))));
    Dispatcher d = p.dispatchers().get(0);
    awaitShadow(d, 1);
    // echo = (1, 1) against (1, 9): max |diff| 8 over max |ref| 9.
    assertEquals(8.0 / 9.0, metrics.shadowErrors.get(0), 1e-6);
    assertEquals(List.of(false), metrics.shadowVerdicts);
    assertEquals(2f, echoMarker(await(p.submit(frame("", 2)))), "out of service");
    assertFalse(p.devicesHealthy());
    assertTrue(d.lastFailure().getMessage().contains("disagrees"), d.lastFailure().getMessage());
  }

  /** Waits (bounded) until {@code n} samples were checked or skipped. */
  private static void awaitShadow(Dispatcher d, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (d.shadowChecks() + d.shadowSkipped() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("shadow checks never ran: " + d.shadowChecks());
      }
      Thread.sleep(5);
    }
  }

  @Test
  void withoutFallbackADeviceFailureFailsOnlyThatBatch() throws Exception {
    FakeDevice gpu = device(1);
    gpu.failing = true;
    ModelPipeline p = build(builder(1, 16).device("gpu", gpu));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> await(p.submit(frame("", 1))));
    assertInstanceOf(DeviceFailureException.class, e.getCause());
    gpu.failing = false;
    assertTrue(await(p.submit(frame("", 2))).ok());
  }

  @Test
  void cancellingAStreamReleasesItsPendingFrames() throws Exception {
    FakeDevice d = device(1).hold();
    ModelPipeline p = build(builder(1, 16).device("d", d));
    FrameStream s = p.openStream("cam");
    List<FrameResult> out = new CopyOnWriteArrayList<>();
    AtomicBoolean completed = new AtomicBoolean();
    s.results().subscribe(out::add, e -> {}, () -> completed.set(true));

    CompletableFuture<FrameResult> f1 = s.submit(frame("cam", 1));
    d.awaitRunStarted();
    CompletableFuture<FrameResult> f2 = s.submit(frame("cam", 2));
    List<CompletableFuture<FrameResult>> pending = new ArrayList<>();
    for (int id = 3; id <= 6; id++) {
      pending.add(s.submit(frame("cam", id)));
    }
    assertEquals(4, p.queueDepth());

    s.cancel();
    assertEquals(0, p.queueDepth());
    assertTrue(pending.stream().allMatch(CompletableFuture::isCancelled));
    assertTrue(completed.get());
    assertThrows(IllegalStateException.class, () -> s.submit(frame("cam", 7)));

    d.release();
    await(f1);
    await(f2);
    p.close();
    assertEquals(List.of(1, 2), List.copyOf(d.seen), "cancelled frames never ran");
    assertTrue(out.isEmpty(), "no result is emitted after cancellation");
  }

  @Test
  void disposingTheResultSubscriptionCancelsTheStream() throws Exception {
    FakeDevice d = device(1).hold();
    ModelPipeline p = build(builder(1, 16).device("d", d));
    FrameStream s = p.openStream("cam");
    Disposable sub = s.results().subscribe();
    s.submit(frame("cam", 1));
    d.awaitRunStarted();
    s.submit(frame("cam", 2));
    CompletableFuture<FrameResult> f3 = s.submit(frame("cam", 3));
    assertEquals(1, p.queueDepth());
    sub.dispose();
    assertEquals(0, p.queueDepth());
    assertThrows(CancellationException.class, f3::join);
  }

  @Test
  void closeDrainsAcceptedFramesRefusesNewOnesAndClosesPlans() throws Exception {
    FakeDevice d = device(1).hold();
    ModelPipeline p = build(builder(4, 16).device("d", d));
    assertEquals(3, d.open.get(), "plans for batch 1, 2 and 4");
    List<CompletableFuture<FrameResult>> fs = new ArrayList<>();
    for (int id = 1; id <= 4; id++) {
      fs.add(p.submit(frame("", id)));
    }
    d.awaitRunStarted();
    // A partial batch: without close it would wait for the (virtual, never advanced) delay.
    fs.add(p.submit(frame("", 5)));
    fs.add(p.submit(frame("", 6)));

    CompletableFuture<Void> closed = p.closeAsync();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> await(p.submit(frame("", 7))));
    assertInstanceOf(ShuttingDownException.class, e.getCause());
    assertFalse(closed.isDone(), "a batch is still on the device");

    d.release();
    closed.get(30, TimeUnit.SECONDS);
    for (CompletableFuture<FrameResult> f : fs) {
      assertTrue(f.isDone() && f.get().ok());
    }
    assertEquals(List.of(4, 2), List.copyOf(d.batchSizes));
    assertEquals(0, d.open.get(), "every plan closed");
  }

  @Test
  void badFramesFailAloneAndInOrder() throws Exception {
    FakeDevice d = device(1);
    ModelPipeline p =
        build(builder(4, 16).device("d", d).labels(List.of("zero", "one", "two", "three", "four")));
    FrameStream s = p.openStream("cam");
    List<FrameResult> out = new CopyOnWriteArrayList<>();
    s.results().subscribe(out::add);

    s.submit(frame("cam", 1));
    s.submit(
        new FrameRequest(
            "cam", 2, 0, EncodedImage.of(Encoding.GRAY8, 1, 1, new byte[2]), false, 0));
    s.submit(frame("cam", 3, false, 3));
    s.submit(
        new FrameRequest(
            "cam", 4, 0, EncodedImage.of(Encoding.JPEG, 0, 0, new byte[] {9, 9, 9}), false, 0));
    CompletableFuture<FrameResult> last = s.submit(frame("cam", 5));
    await(last);

    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences(out));
    assertTrue(out.get(0).ok() && out.get(2).ok() && out.get(4).ok());
    assertInstanceOf(InvalidInputException.class, out.get(1).error());
    assertTrue(out.get(1).error().getMessage().contains("needs 1 bytes"));
    assertInstanceOf(InvalidInputException.class, out.get(3).error());
    assertTrue(out.get(3).error().getMessage().contains("not a readable JPEG"));
    assertEquals(List.of(1, 3, 5), List.copyOf(d.seen), "the bad frames' slots ran as padding");
    assertEquals(5, echoId(out.get(4)));

    // id 3: scores −3, −2, −1, 0, −1 — best index 3, then the tie −1 at 2 before 4.
    List<ClassScore> top = out.get(2).top();
    assertEquals(List.of(3, 2, 4), top.stream().map(ClassScore::index).toList());
    assertEquals(List.of("three", "two", "four"), top.stream().map(ClassScore::label).toList());
    assertEquals(0f, top.get(0).score());
    assertTrue(out.get(0).top().isEmpty(), "top_k 0 asks for no classes");
    assertNull(out.get(0).error());
  }

  @Test
  void aPartialBatchLeavesAfterMaxDelayPaddedToTheNextPlan() throws Exception {
    FakeDevice d = device(1);
    RecordingMetrics metrics = new RecordingMetrics();
    ModelPipeline p = build(builder(4, 16).device("d", d).metrics(metrics));
    List<CompletableFuture<FrameResult>> fs = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      fs.add(p.submit(frame("", id)));
    }
    clock.advanceTimeBy(DELAY.minusMillis(1));
    assertEquals(0, d.runs.get());
    assertEquals(3, p.queueDepth());
    clock.advanceTimeBy(Duration.ofMillis(1));
    for (CompletableFuture<FrameResult> f : fs) {
      assertEquals(3, await(f).timings().batchSize());
    }
    assertEquals(List.of(4), List.copyOf(d.batchSizes));
    assertEquals(List.of("3/4"), metrics.batchShapes);
    assertEquals(0, p.queueDepth());
  }

  @Test
  void plansThatDoNotFitTheInputAreRefusedAtBuild() {
    ModelPipeline.Builder b =
        ModelPipeline.builder(
                "m",
                ModelInputSpec.unitRange(FakeDevice.INPUT, 3, 8, 8, ChannelOrder.RGB),
                new BatchPolicy(2, DELAY, 4))
            .device("d", device(1))
            .warmUp(false);
    Exception e = assertThrows(RuntimeException.class, b::build);
    assertTrue(e.getMessage().contains("expects input x:FLOAT32[1, 1, 1, 1]"), e.getMessage());
    assertEquals(0, devices.get(0).open.get(), "compiled plans are closed again");
  }
}
