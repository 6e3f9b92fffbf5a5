package io.framegate.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.ingest.ChannelOrder;
import io.framegate.pipeline.ingest.EncodedImage;
import io.framegate.pipeline.ingest.Encoding;
import io.framegate.pipeline.ingest.ModelInputSpec;
import io.framegate.pipeline.ingest.Preprocessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Frames through the whole pipeline give what the same model gives one preprocessed frame. */
class ReferenceModelPipelineTest {

  private static Model smallCnn() {
    OnnxModelBuilder b = new OnnxModelBuilder("small", 7);
    String x = b.input("image", 3, 12, 10);
    String y = b.relu(b.conv(x, 4, 3, 1, 1));
    y = b.flatten(b.globalAvgPool(y));
    y = b.softmax(b.gemm(y, 6));
    b.output(y, "probs");
    return Model.load(b.toBytes(), "small.onnx");
  }

  @Test
  void batchedPipelineResultsMatchSingleFrameRuns() throws Exception {
    Model model = smallCnn();
    ModelInputSpec spec =
        ModelInputSpec.forInput(
            model.inputs().get(0),
            ChannelOrder.BGR,
            new float[] {0.4f, 0.5f, 0.6f},
            new float[] {0.2f, 0.25f, 0.3f});
    Random r = new Random(17);
    List<EncodedImage> frames = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int w = 9 + 4 * i;
      int h = 15 - i;
      byte[] rgb = new byte[w * h * 3];
      r.nextBytes(rgb);
      frames.add(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb));
    }

    List<FrameResult> results = new ArrayList<>();
    try (ModelPipeline p =
        ModelPipeline.forModel(
            "small",
            model,
            new ReferenceBackend(1),
            spec,
            new BatchPolicy(4, Duration.ofMillis(5), 16))) {
      assertArrayEquals(new int[] {1, 2, 4}, p.planBatchSizes());
      assertEquals("probs", p.frameOutputs().get(0).name());
      List<CompletableFuture<FrameResult>> fs = new ArrayList<>();
      for (int i = 0; i < frames.size(); i++) {
        fs.add(p.submit(new FrameRequest("s", i, 0, frames.get(i), false, 2)));
      }
      for (CompletableFuture<FrameResult> f : fs) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
    }

    try (ExecutionPlan single = model.plan(new ReferenceBackend(1), 1)) {
      for (int i = 0; i < frames.size(); i++) {
        float[] in = new float[spec.frameSize()];
        Preprocessor.toChw(frames.get(i), spec, in, 0);
        float[] want =
            single.run(Map.of("image", Tensor.of(in, spec.shape(1)))).get("probs").floats();
        FrameResult got = results.get(i);
        assertTrue(got.ok());
        assertArrayEquals(new int[] {1, 6}, got.outputs().get("probs").shape());
        float[] have = got.outputs().get("probs").floats();
        for (int k = 0; k < want.length; k++) {
          assertEquals(want[k], have[k], 1e-6f, "frame " + i + " class " + k);
        }
        int best = 0;
        for (int k = 1; k < want.length; k++) {
          if (want[k] > want[best]) {
            best = k;
          }
        }
        assertEquals(best, got.top().get(0).index());
        assertEquals(2, got.top().size());
      }
    }
  }
}
