package io.framegate.gateway.server;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ServedModel;
import io.framegate.pipeline.ModelPipeline;
import io.framegate.pipeline.PipelineMetrics;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.dispatch.PlanFactory;
import io.framegate.pipeline.ingest.ChannelOrder;
import io.framegate.pipeline.ingest.ModelInputSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small classifier (conv, relu, gemm to 5 classes) on 3×7×9 images, and what the tests need to
 * compute its answers independently of the gateway: pixels normalised by a loop written here, run
 * through a plan of the engine directly.
 */
final class TinyModel {
  static final int C = 3;
  static final int H = 7;
  static final int W = 9;
  static final int CLASSES = 5;
  static final String INPUT = "x";
  static final String OUTPUT = "scores";
  static final float[] MEAN = {0.5f, 0.4f, 0.3f};
  static final float[] STD = {0.25f, 0.2f, 0.3f};

  final Model model;

  TinyModel(long seed) {
    OnnxModelBuilder b = new OnnxModelBuilder("tiny", 13, seed);
    String x = b.input(INPUT, C, H, W);
    String y = b.gemm(b.flatten(b.relu(b.conv(x, 4, 3, 1, 1))), CLASSES);
    model = Model.load(b.output(y, OUTPUT).toBytes(), "tiny.onnx");
  }

  static ModelInputSpec spec() {
    return new ModelInputSpec(INPUT, C, H, W, ChannelOrder.RGB, MEAN, STD);
  }

  ServedModel serve(String name, BatchPolicy policy, PipelineMetrics metrics, Gate gate) {
    ReferenceBackend backend = new ReferenceBackend(1);
    PlanFactory plans = PlanFactory.of(model, backend);
    PlanFactory device = gate == null ? plans : batch -> gate.wrap(plans.create(batch));
    ModelPipeline p =
        ModelPipeline.builder(name, spec(), policy)
            .device(ReferenceBackend.NAME, device)
            .labels(List.of("a", "b", "c", "d", "e"))
            .metrics(metrics)
            .build();
    return new ServedModel(name, p, ReferenceBackend.NAME, List.of("a", "b", "c", "d", "e"));
  }

  ServedModel serve(String name, GatewayMetrics metrics) {
    return serve(name, new BatchPolicy(4, Duration.ofMillis(2), 64), metrics, null);
  }

  static byte[] randomRgb(Random r) {
    byte[] px = new byte[H * W * 3];
    r.nextBytes(px);
    return px;
  }

  /** Interleaved RGB bytes to the normalised CHW floats the model takes. */
  static float[] chw(byte[] rgb) {
    float[] out = new float[C * H * W];
    for (int c = 0; c < C; c++) {
      for (int i = 0; i < H * W; i++) {
        out[c * H * W + i] = ((rgb[3 * i + c] & 0xff) / 255f - MEAN[c]) / STD[c];
      }
    }
    return out;
  }

  /** The engine's answer for one frame, straight from a plan. */
  synchronized float[] direct(float[] chw) {
    if (plan == null) {
      plan = model.plan(new ReferenceBackend(1), 1);
    }
    return plan.run(Map.of(INPUT, Tensor.of(chw.clone(), 1, C, H, W))).get(OUTPUT).floats();
  }

  private ExecutionPlan plan;

  /**
   * Holds the device: while closed, a batch that reaches it waits (after signalling {@link
   * #entered}). Open at first, so that warm-up runs.
   */
  static final class Gate {
    private volatile CountDownLatch latch = new CountDownLatch(0);
    final Semaphore entered = new Semaphore(0);

    void close() {
      latch = new CountDownLatch(1);
    }

    void open() {
      latch.countDown();
    }

    void awaitEntered() throws InterruptedException {
      if (!entered.tryAcquire(30, TimeUnit.SECONDS)) {
        throw new AssertionError("no batch reached the device");
      }
    }

    ExecutionPlan wrap(ExecutionPlan plan) {
      return new ExecutionPlan() {
        @Override
        public List<io.framegate.accelerator.graph.ValueInfo> inputs() {
          return plan.inputs();
        }

        @Override
        public List<io.framegate.accelerator.graph.ValueInfo> outputs() {
          return plan.outputs();
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
          CountDownLatch l = latch;
          if (l.getCount() > 0) {
            entered.release();
            try {
              l.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
          }
          return plan.run(inputs);
        }

        @Override
        public void close() {
          plan.close();
        }
      };
    }
  }
}
