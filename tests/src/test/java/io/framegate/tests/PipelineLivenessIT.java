package io.framegate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.pipeline.FrameRequest;
import io.framegate.pipeline.FrameResult;
import io.framegate.pipeline.ModelPipeline;
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
import org.junit.jupiter.api.Test;

/**
 * A trickle of small bursts of frames, some with pauses around the batching delay, so that batches
 * close by size, by timeout, and while the device is busy. Every frame must get its result: a
 * batching stage that stops flushing (as Reactor's fair-backpressure bufferTimeout did here, after
 * about a thousand bursts) leaves a request waiting for ever.
 */
class PipelineLivenessIT {

  @Test
  void everyFrameOfAnIrregularTrickleGetsItsResult() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("trickle", 13, 1);
    String x = b.input("x", 3, 8, 8);
    Model model = Model.load(b.output(b.gemm(b.flatten(x), 4)).toBytes(), "trickle");
    ModelInputSpec spec = ModelInputSpec.unitRange("x", 3, 8, 8, ChannelOrder.RGB);
    BatchPolicy policy = new BatchPolicy(4, Duration.ofMillis(2), 64);
    byte[] pixels = new byte[8 * 8 * 3];
    Random random = new Random(1);
    try (ModelPipeline pipeline =
        ModelPipeline.forModel("trickle", model, new ReferenceBackend(1), spec, policy)) {
      for (int i = 0; i < 3000; i++) {
        int burst = 1 + random.nextInt(3);
        List<CompletableFuture<FrameResult>> results = new ArrayList<>();
        for (int k = 0; k < burst; k++) {
          EncodedImage image = EncodedImage.of(Encoding.RAW_RGB24, 8, 8, pixels);
          results.add(pipeline.submit(FrameRequest.of("", i * 10L + k, image)));
        }
        for (CompletableFuture<FrameResult> r : results) {
          try {
            // a liveness bound, far above any batch's run time, not a speed check
            assertEquals(
                4, r.get(30, TimeUnit.SECONDS).outputs().values().iterator().next().size());
          } catch (TimeoutException e) {
            fail("burst " + i + " of " + burst + " frames got no result");
          }
        }
        if (random.nextInt(4) == 0) {
          Thread.sleep(random.nextInt(4));
        }
      }
    }
  }
}
