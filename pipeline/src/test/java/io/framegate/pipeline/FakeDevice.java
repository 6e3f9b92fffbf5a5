package io.framegate.pipeline;

import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.pipeline.dispatch.PlanFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plans for a model whose input is one pixel per frame, {@code x = id/255}, and whose outputs are
 * {@code scores[j] = −|j − id mod 5|} and {@code echo = (id, marker)}. It records the frame ids it
 * ran, can hold every run until released, and can fail like a lost device.
 */
final class FakeDevice implements PlanFactory {
  static final String INPUT = "x";
  static final int CLASSES = 5;

  final float marker;
  final List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
  final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
  final Semaphore started = new Semaphore(0);
  final AtomicInteger runs = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  volatile CountDownLatch gate;
  volatile boolean failing;

  FakeDevice(float marker) {
    this.marker = marker;
  }

  /** Later runs wait until {@link #release()}. */
  FakeDevice hold() {
    gate = new CountDownLatch(1);
    return this;
  }

  void release() {
    CountDownLatch g = gate;
    if (g != null) {
      g.countDown();
    }
  }

  /** Waits (bounded, to fail rather than hang) until a run has started. */
  void awaitRunStarted() throws InterruptedException {
    if (!started.tryAcquire(30, TimeUnit.SECONDS)) {
      throw new AssertionError("no batch reached the device");
    }
  }

  @Override
  public ExecutionPlan create(int batch) {
    open.incrementAndGet();
    return new Plan(batch);
  }

  private final class Plan implements ExecutionPlan {
    private final int batch;

    Plan(int batch) {
      this.batch = batch;
    }

    @Override
    public List<ValueInfo> inputs() {
      return List.of(ValueInfo.of(INPUT, DataType.FLOAT32, batch, 1, 1, 1));
    }

    @Override
    public List<ValueInfo> outputs() {
      return List.of(
          ValueInfo.of("scores", DataType.FLOAT32, batch, CLASSES),
          ValueInfo.of("echo", DataType.FLOAT32, batch, 2));
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
      runs.incrementAndGet();
      started.release();
      if (failing) {
        throw new DeviceFailureException(
            "fake device lost", new IllegalStateException("CL_OUT_OF_RESOURCES"));
      }
      CountDownLatch g = gate;
      if (g != null) {
        try {
          if (!g.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("test never released the device");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      float[] x = inputs.get(INPUT).floats();
      if (x.length != batch) {
        throw new IllegalArgumentException("input of " + x.length + " for batch " + batch);
      }
      batchSizes.add(batch);
      float[] scores = new float[batch * CLASSES];
      float[] echo = new float[batch * 2];
      for (int i = 0; i < batch; i++) {
        int id = Math.round(x[i] * 255);
        if (id != 0) {
          seen.add(id);
        }
        for (int j = 0; j < CLASSES; j++) {
          scores[i * CLASSES + j] = -Math.abs(j - id % CLASSES);
        }
        echo[i * 2] = id;
        echo[i * 2 + 1] = marker;
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      out.put("scores", Tensor.of(scores, batch, CLASSES));
      out.put("echo", Tensor.of(echo, batch, 2));
      return out;
    }

    @Override
    public void close() {
      open.decrementAndGet();
    }
  }
}
