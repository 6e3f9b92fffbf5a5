package io.framegate.gateway.metrics;

import io.framegate.pipeline.PipelineMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the pipelines report, kept twice: as Micrometer meters tagged by model and device (scraped
 * by Prometheus), and as per-model totals in the shape of KServe's ModelStatistics call.
 *
 * <p>Meters: {@code framegate_request_seconds} (submission to result, by outcome), {@code
 * framegate_queue_seconds}, {@code framegate_compute_seconds} (per batch), {@code
 * framegate_batch_frames} (frames per batch), {@code framegate_queue_depth}, {@code
 * framegate_frames_dropped_total} (latest-wins), {@code framegate_frames_rejected_total} (queue
 * full), {@code framegate_fallbacks_total} (batches that ran on the fallback), {@code
 * framegate_shadow_checks_total} (by outcome ok/mismatch) and {@code
 * framegate_shadow_relative_error} (the last shadow check's max relative error).
 */
public final class GatewayMetrics implements PipelineMetrics {
  /** The device tag of frames that never reached one (refused or malformed). */
  public static final String NO_DEVICE = "none";

  private final MeterRegistry registry;
  private final Map<String, ModelTotals> totals = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> depths = new ConcurrentHashMap<>();
  private final Map<MeterKey, Object> meters = new ConcurrentHashMap<>();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A model's running totals; created on first use. */
  public ModelTotals totals(String model) {
    return totals.computeIfAbsent(model, m -> new ModelTotals());
  }

  @Override
  public void queueDepth(String model, int depth) {
    depths
        .computeIfAbsent(
            model,
            m -> {
              AtomicInteger v = new AtomicInteger();
              Gauge.builder("framegate.queue.depth", v, AtomicInteger::get)
                  .description("Frames accepted and not yet taken into a batch")
                  .tag("model", m)
                  .register(registry);
              return v;
            })
        .set(depth);
  }

  @Override
  public void batch(String model, String device, int frames, int paddedTo, long computeNanos) {
    timer("framegate.compute", model, device, null, "Running one batch")
        .record(computeNanos, TimeUnit.NANOSECONDS);
    this.<DistributionSummary>meter(
            new MeterKey("framegate.batch.frames", model, device, null),
            k ->
                DistributionSummary.builder(k.name)
                    .description("Frames per batch")
                    .tags("model", model, "device", device)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                    .register(registry))
        .record(frames);
    totals(model).batch(frames, paddedTo, computeNanos);
  }

  @Override
  public void frame(String model, String device, long queueNanos, long totalNanos, boolean ok) {
    String d = device == null ? NO_DEVICE : device;
    timer("framegate.request", model, d, ok ? "ok" : "error", "From submission to result")
        .record(totalNanos, TimeUnit.NANOSECONDS);
    if (ok) {
      timer("framegate.queue", model, d, null, "Waiting for a batch and a device")
          .record(queueNanos, TimeUnit.NANOSECONDS);
    }
    totals(model).frame(queueNanos, totalNanos, ok);
  }

  @Override
  public void rejected(String model) {
    counter("framegate.frames.rejected", model, NO_DEVICE, "Frames refused: queue full")
        .increment();
  }

  @Override
  public void dropped(String model, int frames) {
    counter("framegate.frames.dropped", model, NO_DEVICE, "Frames dropped by latest-wins")
        .increment(frames);
  }

  @Override
  public void fallback(String model, String device, Throwable cause) {
    counter("framegate.fallbacks", model, device, "Batches run on the fallback device").increment();
  }

  @Override
  public void shadowCheck(String model, String device, double maxRelativeError, boolean ok) {
    this.<Counter>meter(
            new MeterKey("framegate.shadow.checks", model, device, ok ? "ok" : "mismatch"),
            k ->
                Counter.builder(k.name)
                    .description("Device batches re-run on the JVM reference and compared")
                    .tags("model", model, "device", device, "outcome", k.outcome)
                    .register(registry))
        .increment();
    this.<AtomicLong>meter(
            new MeterKey("framegate.shadow.relative.error", model, device, null),
            k -> {
              AtomicLong bits = new AtomicLong();
              Gauge.builder(k.name, bits, b -> Double.longBitsToDouble(b.get()))
                  .description("Max |device - reference| / max |reference| of the last check")
                  .tags("model", model, "device", device)
                  .register(registry);
              return bits;
            })
        .set(Double.doubleToLongBits(maxRelativeError));
  }

  private Timer timer(String name, String model, String device, String outcome, String help) {
    return meter(
        new MeterKey(name, model, device, outcome),
        k -> {
          Timer.Builder b =
              Timer.builder(k.name).description(help).tags("model", model, "device", device);
          if (outcome != null) {
            b.tag("outcome", outcome).publishPercentileHistogram();
          }
          return b.register(registry);
        });
  }

  private Counter counter(String name, String model, String device, String help) {
    return meter(
        new MeterKey(name, model, device, null),
        k ->
            Counter.builder(k.name)
                .description(help)
                .tags("model", model, "device", device)
                .register(registry));
  }

  @SuppressWarnings("unchecked")
  private <M> M meter(MeterKey key, java.util.function.Function<MeterKey, M> create) {
    // Cached so that the hot path allocates no tags and takes no registry lock.
    return (M) meters.computeIfAbsent(key, create);
  }

  private record MeterKey(String name, String model, String device, String outcome) {}

  /** A model's totals since start, as KServe's ModelStatistics reports them. */
  public static final class ModelTotals {
    public final LongAdder successCount = new LongAdder();
    public final LongAdder successNanos = new LongAdder();
    public final LongAdder failCount = new LongAdder();
    public final LongAdder failNanos = new LongAdder();
    public final LongAdder queueNanos = new LongAdder();
    public final LongAdder computeFrames = new LongAdder();
    public final LongAdder computeNanos = new LongAdder();
    public final LongAdder executions = new LongAdder();
    private final Map<Integer, long[]> batches = new ConcurrentHashMap<>();
    private volatile long lastInferenceMillis;

    void frame(long queue, long total, boolean ok) {
      if (ok) {
        successCount.increment();
        successNanos.add(total);
        queueNanos.add(queue);
        lastInferenceMillis = System.currentTimeMillis();
      } else {
        failCount.increment();
        failNanos.add(total);
      }
    }

    void batch(int frames, int paddedTo, long nanos) {
      executions.increment();
      computeFrames.add(frames);
      // Every frame of the batch waited for all of it.
      computeNanos.add(nanos * frames);
      long[] b = batches.computeIfAbsent(paddedTo, s -> new long[2]);
      synchronized (b) {
        b[0]++;
        b[1] += nanos;
      }
    }

    public long lastInferenceMillis() {
      return lastInferenceMillis;
    }

    /** Executions and their summed nanoseconds, by compiled batch size. */
    public Map<Integer, long[]> batchesBySize() {
      Map<Integer, long[]> out = new java.util.TreeMap<>();
      batches.forEach(
          (size, b) -> {
            synchronized (b) {
              out.put(size, b.clone());
            }
          });
      return out;
    }
  }
}
