package io.framegate.pipeline.dispatch;

import io.framegate.accelerator.backend.Verification;
import io.framegate.accelerator.error.DeviceFailureException;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * batches go straight to the fallback until a re-probe finds it working again ({@link
 * Supervision}). Sampled shadow verification compares device batches with the JVM reference off
 * this thread. Each fallback batch is counted; each distinct cause is logged once.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** What a batch produced and where. */
  public record Outcome(Map<String, Tensor> outputs, String device) {}

  /** What a dispatcher reports; called on its threads, so cheap and thread-safe. */
  public interface Events {
    /** A batch meant for the device ran on the fallback instead, because of {@code cause}. */
    void fallback(Throwable cause);

    /** A shadow check compared one device batch with the reference. */
    default void shadowChecked(double maxRelativeError, boolean withinTolerance) {}
  }

  private final String model;
  private final String device;
  private final String fallbackName;
  private final PlanFactory fallbackFactory;
  private final String input;
  private final int[] frameShape;
  private final Events events;
  private final Supervision supervision;
  private final Scheduler worker;
  private final PlanSet plans;
  private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();
  private final AtomicLong fallbackBatches = new AtomicLong();
  private volatile boolean healthy = true;
  private volatile Throwable lastFailure;
  private PlanSet fallbackPlans;
  // Re-probing; written on the worker thread (and by retryDevice).
  private volatile long nextProbeNanos;
  private Duration backoff;
  // Shadow verification: counted on the worker thread, checked on the shadow thread.
  private final Scheduler shadowWorker;
  private final AtomicBoolean shadowBusy = new AtomicBoolean();
  private final AtomicReference<DeviceFailureException> shadowMismatch = new AtomicReference<>();
  private final Map<Integer, ExecutionPlan> referencePlans = new HashMap<>();
  private final AtomicLong shadowChecks = new AtomicLong();
  private final AtomicLong shadowSkipped = new AtomicLong();
  private long deviceBatches;

  /**
   * Starts the worker thread and compiles the device's plans on it (some devices bind a context to
   * the thread that creates it).
   *
   * @param fallback null for none: device failures then fail the batch
   * @param events told of every batch that ran on the fallback and of every shadow check
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
      Supervision supervision,
      Events events) {
    Scheduler worker = Schedulers.newSingle("framegate-" + model + "-" + device);
    try {
      PlanSet plans =
          Mono.fromCallable(() -> PlanSet.compile(primary, sizes, input, frameShape))
              .subscribeOn(worker)
              .block();
      return new Dispatcher(
          model,
          device,
          fallbackName,
          fallback,
          input,
          frameShape,
          supervision,
          events,
          worker,
          plans);
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
      Supervision supervision,
      Events events,
      Scheduler worker,
      PlanSet plans) {
    this.model = model;
    this.device = device;
    this.fallbackName = fallbackName;
    this.fallbackFactory = fallbackFactory;
    this.input = input;
    this.frameShape = frameShape.clone();
    this.supervision = Objects.requireNonNull(supervision, "supervision");
    this.events = Objects.requireNonNull(events, "events");
    this.worker = worker;
    this.plans = plans;
    this.backoff = supervision.reprobeAfter();
    this.shadowWorker =
        supervision.shadowEvery() > 0
            ? Schedulers.newSingle("framegate-" + model + "-" + device + "-shadow")
            : null;
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

  /** Shadow checks run so far (each compared one device batch with the reference). */
  public long shadowChecks() {
    return shadowChecks.get();
  }

  /** Shadow samples skipped because the previous check was still running. */
  public long shadowSkipped() {
    return shadowSkipped.get();
  }

  /** Lets the next batch probe the failed device at once instead of waiting for the backoff. */
  public void retryDevice() {
    nextProbeNanos = System.nanoTime();
  }

  /**
   * Runs a batch of the compiled size {@code size} on this worker's thread.
   *
   * @param batch {@code size · frame} floats, padded with zeros; not changed, and not to be changed
   *     by the caller afterwards (a shadow check may still read it)
   */
  public Outcome run(float[] batch, int size) {
    int[] shape = new int[frameShape.length + 1];
    shape[0] = size;
    System.arraycopy(frameShape, 0, shape, 1, frameShape.length);
    Map<String, Tensor> in = Map.of(input, Tensor.of(batch, shape));
    DeviceFailureException mismatch = shadowMismatch.getAndSet(null);
    if (mismatch != null && healthy && fallbackFactory != null) {
      takeOutOfService(mismatch, false);
    }
    DeviceFailureException failure = null;
    boolean probing = !healthy && System.nanoTime() - nextProbeNanos >= 0;
    if (healthy || probing) {
      try {
        Map<String, Tensor> out = plans.plan(size).run(in);
        if (probing) {
          healthy = true;
          backoff = supervision.reprobeAfter();
          log.info("model {}: device {} works again, serving its batches", model, device);
        }
        sampleShadow(in, out);
        return new Outcome(out, device);
      } catch (DeviceFailureException e) {
        if (fallbackFactory == null) {
          throw e;
        }
        failure = e;
        takeOutOfService(e, probing);
      }
    }
    Throwable cause = failure != null ? failure : lastFailure;
    fallbackBatches.incrementAndGet();
    logOnce(cause);
    events.fallback(cause);
    if (fallbackPlans == null) {
      fallbackPlans = PlanSet.compile(fallbackFactory, plans.sizes(), input, frameShape);
    }
    return new Outcome(fallbackPlans.plan(size).run(in), fallbackName);
  }

  /** Marks the device unhealthy until the next probe. On the worker thread. */
  private void takeOutOfService(DeviceFailureException cause, boolean failedProbe) {
    lastFailure = cause;
    healthy = false;
    if (failedProbe) {
      Duration doubled = backoff.multipliedBy(2);
      backoff =
          doubled.compareTo(supervision.reprobeMax()) > 0 ? supervision.reprobeMax() : doubled;
    }
    nextProbeNanos = System.nanoTime() + backoff.toNanos();
  }

  /** Hands one in {@code shadowEvery} device batches to the shadow thread, if it is free. */
  private void sampleShadow(Map<String, Tensor> in, Map<String, Tensor> out) {
    int every = supervision.shadowEvery();
    if (every == 0 || ++deviceBatches % every != 0) {
      return;
    }
    if (!shadowBusy.compareAndSet(false, true)) {
      shadowSkipped.incrementAndGet();
      return;
    }
    shadowWorker.schedule(
        () -> {
          try {
            shadowCheck(in, out);
          } finally {
            shadowBusy.set(false);
          }
        });
  }

  /** Runs a device batch again on the reference and reports how far apart they are. */
  private void shadowCheck(Map<String, Tensor> in, Map<String, Tensor> out) {
    Map<String, Tensor> want;
    try {
      int size = in.get(input).shape()[0];
      ExecutionPlan plan =
          referencePlans.computeIfAbsent(size, b -> supervision.reference().create(b));
      want = plan.run(in);
    } catch (RuntimeException e) {
      // The reference is the JVM: failing here is our bug, not the device's.
      log.warn("model {}: shadow verification of device {} could not run", model, device, e);
      return;
    }
    double error = Verification.maxRelativeError(out, want);
    boolean ok = error <= supervision.tolerance();
    if (!ok) {
      log.warn(
          "model {}: device {} disagrees with the JVM reference: max relative error {} above {}",
          model,
          device,
          error,
          supervision.tolerance());
      shadowMismatch.set(
          new DeviceFailureException(
              "device "
                  + device
                  + " disagrees with the JVM reference: max relative error "
                  + error
                  + " above "
                  + supervision.tolerance(),
              null));
    }
    events.shadowChecked(error, ok);
    shadowChecks.incrementAndGet();
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
      if (shadowWorker != null) {
        // After a check still running: the shadow thread runs one task at a time.
        Mono.fromRunnable(
                () -> {
                  referencePlans.values().forEach(ExecutionPlan::close);
                  referencePlans.clear();
                })
            .subscribeOn(shadowWorker)
            .block();
      }
    } finally {
      worker.dispose();
      if (shadowWorker != null) {
        shadowWorker.dispose();
      }
    }
  }
}
