package io.framegate.pipeline;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps what the pipeline reports, for assertions. */
final class RecordingMetrics implements PipelineMetrics {
  final AtomicInteger dropped = new AtomicInteger();
  final AtomicInteger rejected = new AtomicInteger();
  final List<String> fallbacks = new CopyOnWriteArrayList<>();
  final List<String> batchDevices = new CopyOnWriteArrayList<>();
  final List<String> batchShapes = new CopyOnWriteArrayList<>();
  final List<Double> shadowErrors = new CopyOnWriteArrayList<>();
  final List<Boolean> shadowVerdicts = new CopyOnWriteArrayList<>();

  @Override
  public void batch(String model, String device, int frames, int paddedTo, long computeNanos) {
    batchDevices.add(device);
    batchShapes.add(frames + "/" + paddedTo);
  }

  @Override
  public void rejected(String model) {
    rejected.incrementAndGet();
  }

  @Override
  public void dropped(String model, int frames) {
    dropped.addAndGet(frames);
  }

  @Override
  public void fallback(String model, String device, Throwable cause) {
    fallbacks.add(device + ": " + cause.getMessage());
  }

  @Override
  public void shadowCheck(String model, String device, double error, boolean ok) {
    shadowErrors.add(error);
    shadowVerdicts.add(ok);
  }
}
