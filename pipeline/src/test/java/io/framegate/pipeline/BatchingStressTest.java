package io.framegate.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.ingest.ChannelOrder;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import io.framegate.pipeline.ingest.ModelInputSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * Liveness of the real-time flow: irregular bursts of frames, a real timer and real threads. Every
 * frame must come back (a stalled batcher leaves a frame waiting forever), with its own result, in
 * batches no larger than the policy allows. The bounded waits only turn a hang into a failure.
 */
class BatchingStressTest {
  private static final ModelInputSpec SPEC =
      ModelInputSpec.unitRange(FakeDevice.INPUT, 1, 1, 1, ChannelOrder.RGB);

  @Test
  void irregularBurstsAllCompleteWithTheirOwnResults() throws Exception {
    for (int devices = 1; devices <= 2; devices++) {
      run(devices, 2_500, new Random(7 + devices));
    }
  }

  private static void run(int deviceCount, int bursts, Random random) throws Exception {
    List<FakeDevice> devices = new ArrayList<>();
    ModelPipeline.Builder b =
        ModelPipeline.builder("m", SPEC, new BatchPolicy(4, Duration.ofMillis(2), 64))
            .timer(Schedulers.parallel())
            .ingest(Schedulers.boundedElastic())
            .warmUp(false);
    for (int d = 0; d < deviceCount; d++) {
      FakeDevice device = new FakeDevice(d + 1);
      devices.add(device);
      b.device("dev" + d, device);
    }
    ModelPipeline p = b.build();
    int frames = 0;
    try {
      for (int burst = 0; burst < bursts; burst++) {
        int n = 1 + random.nextInt(3);
        List<CompletableFuture<FrameResult>> inFlight = new ArrayList<>(n);
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int id = 1 + (frames++ % 250);
          ids.add(id);
          inFlight.add(
              p.submit(
                  new FrameRequest(
                      "",
                      id,
                      0,
                      EncodedImage.of(Encoding.GRAY8, 1, 1, new byte[] {(byte) id}),
                      false,
                      1)));
        }
        for (int i = 0; i < n; i++) {
          FrameResult r;
          try {
            r = inFlight.get(i).get(20, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            throw new AssertionError(
                "frame "
                    + ids.get(i)
                    + " of burst "
                    + burst
                    + " never completed with "
                    + deviceCount
                    + " device(s); queue depth "
                    + p.queueDepth());
          }
          assertEquals(ids.get(i), (int) r.outputs().get("echo").floats()[0]);
        }
        int pause = random.nextInt(4);
        if (pause > 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pause));
        }
      }
    } finally {
      p.closeAsync().orTimeout(30, TimeUnit.SECONDS).join();
    }
    for (FakeDevice d : devices) {
      for (int size : d.batchSizes) {
        assertTrue(size <= 4, "a batch of " + size + " exceeds maxBatch 4");
      }
    }
    assertEquals(0, p.queueDepth());
  }
}
