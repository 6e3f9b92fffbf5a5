package io.framegate.pipeline.dispatch;

import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.tensor.Tensor;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One device's worker: a single thread that owns the device's plans and runs one batch at a time.
 *
 * <p>When the device fails ({@link DeviceFailureException}) the batch is re-run on the fallback
 * plans (compiled on first need, on this same thread), the device is marked unhealthy and later
 * batches go straight to the fallback until {@link #retryDevice()}. Each fallback batch is counted;
 * each distinct cause is logged once.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** What a batch produced and where. */
  public record Outcome(Map<String, Tensor> outputs, String device) {}

  private final String model;
  private final String device;
  private final String fallbackName;
  private final PlanFactory fallbackFactory;
  private final String input;
  private final int[] frameShape;
  private final Consumer<Throwable> onFallback;
  private final Scheduler worker;
  private final PlanSet plans;
  private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();
  private final AtomicLong fallbackBatches = new AtomicLong();
  private volatile boolean healthy = true;
  private volatile Throwable lastFailure;
  private PlanSet fallbackPlans;

  /**
   * Starts the worker thread and compiles the device's plans on it (some devices bind a context to
   * the thread that creates it).
   *
   * @param fallback null for none: device failures then fail the batch
   * @param onFallback told of every batch that ran on the fallback, with the device's failure
   * @throws io.framegate.accelerator.error.InvalidModelException if a plan does not fit
   */
  public static Dispatcher start(
      String model,
      String device,
      PlanFactory primary,
      String fallbackName,
      PlanFactory fallback,
      int[] sizes,
      String input,
      int[] frameShape,
      Consumer<Throwable> onFallback) {
    Scheduler worker = Schedulers.newSingle("framegate-" + model + "-" + device);
    try {
      PlanSet plans =
          Mono.fromCallable(() -> PlanSet.compile(primary, sizes, input, frameShape))
              .subscribeOn(worker)
              .block();
      return new Dispatcher(
          model, device, fallbackName, fallback, input, frameShape, onFallback, worker, plans);
    } catch (RuntimeException e) {
      worker.dispose();
      throw e;
    }
  }

  private Dispatcher(
      String model,
      String device,
      String fallbackName,
      PlanFactory fallbackFactory,
      String input,
      int[] frameShape,
      Consumer<Throwable> onFallback,
      Scheduler worker,
      PlanSet plans) {
    this.model = model;
    this.device = device;
    this.fallbackName = fallbackName;
    this.fallbackFactory = fallbackFactory;
    this.input = input;
    this.frameShape = frameShape.clone();
    this.onFallback = Objects.requireNonNull(onFallback);
    this.worker = worker;
    this.plans = plans;
  }

  public String device() {
    return device;
  }

  /** The thread every {@link #run} call must be made on. */
  public Scheduler worker() {
    return worker;
  }

  public PlanSet plans() {
    return plans;
  }

  public boolean healthy() {
    return healthy;
  }

  /** The failure that made the device unhealthy, or null. */
  public Throwable lastFailure() {
    return lastFailure;
  }

  public long fallbackBatches() {
    return fallbackBatches.get();
  }

  /** Sends the next batches to the device again after it failed. */
  public void retryDevice() {
    healthy = true;
  }

  /**
   * Runs a batch of the compiled size {@code size} on this worker's thread.
   *
   * @param batch {@code size · frame} floats, padded with zeros
   */
  public Outcome run(float[] batch, int size) {
    int[] shape = new int[frameShape.length + 1];
    shape[0] = size;
    System.arraycopy(frameShape, 0, shape, 1, frameShape.length);
    Map<String, Tensor> in = Map.of(input, Tensor.of(batch, shape));
    DeviceFailureException failure;
    if (healthy) {
      try {
        return new Outcome(plans.plan(size).run(in), device);
      } catch (DeviceFailureException e) {
        if (fallbackFactory == null) {
          throw e;
        }
        failure = e;
        lastFailure = e;
        healthy = false;
      }
    } else {
      failure = null;
    }
    Throwable cause = failure != null ? failure : lastFailure;
    fallbackBatches.incrementAndGet();
    logOnce(cause);
    onFallback.accept(cause);
    if (fallbackPlans == null) {
      fallbackPlans = PlanSet.compile(fallbackFactory, plans.sizes(), input, frameShape);
    }
    return new Outcome(fallbackPlans.plan(size).run(in), fallbackName);
  }

  private void logOnce(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String key = root.getClass().getName() + ": " + root.getMessage();
    if (loggedCauses.add(key)) {
      log.warn(
          "model {}: device {} failed, running its batches on {} from now on",
          model,
          device,
          fallbackName,
          cause);
    }
  }

  /** Closes the plans on the worker thread, then stops it. Waits for a running batch. */
  @Override
  public void close() {
    try {
      Mono.fromRunnable(
              () -> {
                plans.close();
                if (fallbackPlans != null) {
                  fallbackPlans.close();
                }
              })
          .subscribeOn(worker)
          .block();
    } finally {
      worker.dispose();
    }
  }
}
