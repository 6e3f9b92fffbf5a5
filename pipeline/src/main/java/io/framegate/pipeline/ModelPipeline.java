package io.framegate.pipeline;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.error.CapacityExceededException;
import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.ShuttingDownException;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.vector.VectorBackend;
import io.framegate.pipeline.batch.BatchPolicy;
import io.framegate.pipeline.batch.Batcher;
import io.framegate.pipeline.dispatch.Dispatcher;
import io.framegate.pipeline.dispatch.PlanFactory;
import io.framegate.pipeline.dispatch.Supervision;
import io.framegate.pipeline.ingest.ModelInputSpec;
import io.framegate.pipeline.ingest.Preprocessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Everything between a frame's arrival and its result, for one model: a bounded queue, the batcher,
 * decoding into the batch buffer, and one dispatcher (a thread owning a set of plans) per device.
 *
 * <pre>
 * submit ─▶ FrameQueue ─▶ Batcher ─▶ decode into batch (ingest scheduler) ─▶ idle Dispatcher ─▶ results
 *  (refused when full)   (maxBatch/maxDelay)  (bad frames fail alone)     (device thread; fallback)
 * </pre>
 *
 * Thread-safe. Build with {@link #builder} or {@link #forModel}; close to drain and release.
 */
public final class ModelPipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelPipeline.class);

  private final String name;
  private final ModelInputSpec spec;
  private final BatchPolicy policy;
  private final List<String> labels;
  private final PipelineMetrics metrics;
  private final Scheduler ingest;
  private final List<Dispatcher> dispatchers;
  private final ConcurrentLinkedQueue<Dispatcher> idle;
  private final List<ValueInfo> frameOutputs;
  private final FrameQueue queue;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private ModelPipeline(Builder b, List<Dispatcher> dispatchers) {
    this.name = b.name;
    this.spec = b.spec;
    this.policy = b.policy;
    this.labels = List.copyOf(b.labels);
    this.metrics = b.metrics;
    this.ingest = b.ingest;
    this.dispatchers = List.copyOf(dispatchers);
    this.idle = new ConcurrentLinkedQueue<>(dispatchers);
    this.frameOutputs = dispatchers.get(0).plans().frameOutputs();
    this.queue = new FrameQueue(policy.queueCapacity(), depth -> metrics.queueDepth(name, depth));
    Batcher batcher = new Batcher(policy, b.timer);
    // Decoding of the next batch overlaps the running of the previous ones: concatMap keeps
    // batches in order, flatMap runs as many as there are devices.
    queue
        .flux()
        .transform(batcher::apply)
        .concatMap(tasks -> Mono.fromCallable(() -> assemble(tasks)).subscribeOn(ingest), 1)
        .flatMap(
            batch ->
                Mono.defer(
                    () -> {
                      Dispatcher d = idle.poll();
                      return Mono.fromRunnable(() -> execute(batch, d)).subscribeOn(d.worker());
                    }),
            dispatchers.size(),
            1)
        .subscribe(null, this::flowFailed, this::drained);
  }

  /**
   * A pipeline serving {@code model} on {@code backend} with plans for every power of two up to
   * {@code maxBatch} (and {@code maxBatch} itself). A failing device falls back to the fast JVM
   * backend; jvm-vector itself falls back to the JVM reference.
   */
  public static ModelPipeline forModel(
      String name, Model model, Backend backend, ModelInputSpec spec, BatchPolicy policy) {
    Builder b = builder(name, spec, policy).device(backend.name(), PlanFactory.of(model, backend));
    if (backend.name().equals(VectorBackend.NAME)) {
      b.fallback(ReferenceBackend.NAME, PlanFactory.of(model, new ReferenceBackend()));
    } else if (!backend.name().equals(ReferenceBackend.NAME)) {
      b.fallback(VectorBackend.NAME, PlanFactory.of(model, new VectorBackend()));
    }
    return b.build();
  }

  public static Builder builder(String name, ModelInputSpec spec, BatchPolicy policy) {
    return new Builder(name, spec, policy);
  }

  public String name() {
    return name;
  }

  public ModelInputSpec inputSpec() {
    return spec;
  }

  public BatchPolicy policy() {
    return policy;
  }

  /** The model's outputs for one frame (batch dimension 1). */
  public List<ValueInfo> frameOutputs() {
    return frameOutputs;
  }

  /** The batch sizes plans were compiled for; partial batches are padded to the next one. */
  public int[] planBatchSizes() {
    return dispatchers.get(0).plans().sizes();
  }

  /** Frames accepted and not yet taken into a running batch. */
  public int queueDepth() {
    return queue.depth();
  }

  /** True while every device serves its own batches (none has fallen back). */
  public boolean devicesHealthy() {
    return dispatchers.stream().allMatch(Dispatcher::healthy);
  }

  public List<Dispatcher> dispatchers() {
    return dispatchers;
  }

  /** Batches that ran on the fallback because their device failed. */
  public long fallbackBatches() {
    return dispatchers.stream().mapToLong(Dispatcher::fallbackBatches).sum();
  }

  /**
   * Runs one frame outside any stream (no ordering, no latest-wins).
   *
   * @return its result; completes exceptionally with {@link InvalidInputException}, {@link
   *     CapacityExceededException}, {@link ShuttingDownException} or the failure of its batch
   */
  public CompletableFuture<FrameResult> submit(FrameRequest request) {
    FrameTask task = new FrameTask(request, null, System.nanoTime());
    enqueue(task);
    return task.done.thenCompose(
        r ->
            r.ok()
                ? CompletableFuture.completedFuture(r)
                : CompletableFuture.failedFuture(r.error()));
  }

  /** Opens an ordered stream of frames to this model. */
  public FrameStream openStream(String streamId) {
    return new FrameStream(this, streamId == null ? "" : streamId);
  }

  void enqueue(FrameTask task) {
    FrameRequest r = task.request;
    try {
      if (r.topK() < 0) {
        throw new InvalidInputException("top_k must not be negative, is " + r.topK());
      }
      Preprocessor.validate(r.image(), spec);
    } catch (InvalidInputException e) {
      finish(task, FrameResult.failed(r, e, Timings.NONE), null);
      return;
    }
    switch (queue.offer(task)) {
      case ACCEPTED, GONE -> {}
      case FULL -> {
        metrics.rejected(name);
        finish(
            task,
            FrameResult.failed(
                r,
                new CapacityExceededException(
                    "model '"
                        + name
                        + "' has "
                        + policy.queueCapacity()
                        + " frames waiting, the most it queues; retry later or send fewer frames"),
                Timings.NONE),
            null);
      }
      case CLOSED ->
          finish(
              task,
              FrameResult.failed(
                  r,
                  new ShuttingDownException("model '" + name + "' is shutting down"),
                  Timings.NONE),
              null);
    }
  }

  /** Drops a pending frame for latest-wins; false if it already runs or has finished. */
  boolean drop(FrameTask task) {
    if (task.drop()) {
      queue.release(task, true);
      return true;
    }
    return false;
  }

  /** Cancels a pending frame of a cancelled stream; false if it already runs or has finished. */
  boolean cancel(FrameTask task) {
    if (task.cancel()) {
      queue.release(task, true);
      return true;
    }
    return false;
  }

  void countDropped(int frames) {
    metrics.dropped(name, frames);
  }

  /** Frames of one batch, decoded into one padded input buffer. */
  private record Assembled(FrameTask[] slots, int frames, float[] input, int size) {}

  /**
   * Claims the batch's frames that are still pending and decodes each into its slot of a fresh
   * buffer of the plan size. Runs on the ingest scheduler; never throws.
   */
  private Assembled assemble(List<FrameTask> tasks) {
    List<FrameTask> claimed = new ArrayList<>(tasks.size());
    for (FrameTask t : tasks) {
      if (t.claim()) {
        queue.release(t, false);
        claimed.add(t);
      }
    }
    if (claimed.isEmpty()) {
      return null;
    }
    int frame = spec.frameSize();
    int size = dispatchers.get(0).plans().sizeFor(claimed.size());
    float[] input = new float[size * frame];
    FrameTask[] slots = new FrameTask[size];
    int frames = 0;
    for (int i = 0; i < claimed.size(); i++) {
      FrameTask t = claimed.get(i);
      try {
        Preprocessor.toChw(t.request.image(), spec, input, i * frame);
        slots[i] = t;
        frames++;
      } catch (RuntimeException e) {
        // The slot stays (or is reset to) zeros: the batch runs without this frame.
        Arrays.fill(input, i * frame, (i + 1) * frame, 0f);
        finish(t, FrameResult.failed(t.request, e, Timings.NONE), null);
      }
    }
    return frames == 0 ? null : new Assembled(slots, frames, input, size);
  }

  /** Runs a batch on dispatcher {@code d}'s thread and hands out its results. Never throws. */
  private void execute(Assembled batch, Dispatcher d) {
    try {
      long start = System.nanoTime();
      Dispatcher.Outcome out;
      try {
        out = d.run(batch.input, batch.size);
      } catch (RuntimeException e) {
        long now = System.nanoTime();
        for (FrameTask t : batch.slots) {
          if (t != null) {
            Timings tm = timings(t, start, now, now, batch.frames);
            finish(t, FrameResult.failed(t.request, e, tm), d.device());
          }
        }
        return;
      }
      long end = System.nanoTime();
      metrics.batch(name, out.device(), batch.frames, batch.size, end - start);
      for (int i = 0; i < batch.slots.length; i++) {
        FrameTask t = batch.slots[i];
        if (t == null) {
          continue;
        }
        Map<String, Tensor> outputs = slice(out.outputs(), i, batch.size);
        FrameRequest r = t.request;
        FrameResult result =
            new FrameResult(
                r.streamId(),
                r.sequence(),
                r.timestampMicros(),
                outputs,
                top(outputs, r.topK()),
                timings(t, start, end, System.nanoTime(), batch.frames),
                null,
                0);
        finish(t, result, out.device());
      }
    } catch (RuntimeException e) {
      // A bug in result handling must not stall the flow; fail whatever is still open.
      log.error("model {}: handing out a batch's results failed", name, e);
      for (FrameTask t : batch.slots) {
        if (t != null && !t.done.isDone()) {
          finish(t, FrameResult.failed(t.request, e, Timings.NONE), d.device());
        }
      }
    } finally {
      idle.add(d);
    }
  }

  private static Timings timings(FrameTask t, long start, long end, long now, int frames) {
    return new Timings(
        TimeUnit.NANOSECONDS.toMicros(start - t.submittedNanos),
        TimeUnit.NANOSECONDS.toMicros(end - start),
        TimeUnit.NANOSECONDS.toMicros(now - t.submittedNanos),
        frames);
  }

  /** Frame {@code i}'s part of each output: a copy, so one frame's result holds no batch. */
  private static Map<String, Tensor> slice(Map<String, Tensor> outputs, int i, int size) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor t = e.getValue();
      int[] shape = t.shape();
      shape[0] = 1;
      int per = t.size() / size;
      Tensor part =
          t.type() == DataType.INT64
              ? Tensor.ofLongs(Arrays.copyOfRange(t.longs(), i * per, (i + 1) * per), shape)
              : Tensor.of(Arrays.copyOfRange(t.floats(), i * per, (i + 1) * per), shape);
      out.put(e.getKey(), part);
    }
    return out;
  }

  /** The k largest values of the first float output, highest first, ties by lower index. */
  private List<ClassScore> top(Map<String, Tensor> outputs, int k) {
    if (k == 0 || outputs.isEmpty()) {
      return List.of();
    }
    Tensor first = outputs.values().iterator().next();
    if (first.type() != DataType.FLOAT32) {
      return List.of();
    }
    float[] v = first.floats();
    int n = Math.min(k, v.length);
    int[] best = new int[n];
    int have = 0;
    for (int i = 0; i < v.length; i++) {
      if (have == n && !(v[i] > v[best[n - 1]])) {
        continue;
      }
      int j = have < n ? have++ : n - 1;
      while (j > 0 && v[i] > v[best[j - 1]]) {
        best[j] = best[j - 1];
        j--;
      }
      best[j] = i;
    }
    List<ClassScore> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int c = best[i];
      out.add(new ClassScore(c, v[c], c < labels.size() ? labels.get(c) : ""));
    }
    return out;
  }

  private void finish(FrameTask t, FrameResult result, String device) {
    Timings tm = result.timings();
    metrics.frame(
        name,
        device,
        TimeUnit.MICROSECONDS.toNanos(tm.queueMicros()),
        TimeUnit.MICROSECONDS.toNanos(tm.totalMicros()),
        result.ok());
    if (t.stream != null) {
      t.stream.finished(t, result);
    } else {
      t.done.complete(result);
    }
  }

  private void flowFailed(Throwable e) {
    // Not expected: every stage catches its own failures. Logged so that it is never silent.
    log.error("model {}: the frame flow stopped", name, e);
    closeDispatchers();
  }

  private void drained() {
    closeDispatchers();
  }

  private void closeDispatchers() {
    // Off the flow's threads: a dispatcher cannot wait for its own thread to stop.
    Thread.ofPlatform()
        .name("framegate-" + name + "-close")
        .start(
            () -> {
              for (Dispatcher d : dispatchers) {
                try {
                  d.close();
                } catch (RuntimeException e) {
                  log.warn("model {}: closing device {} failed", name, d.device(), e);
                }
              }
              terminated.complete(null);
            });
  }

  /**
   * Stops accepting frames (they fail with {@link ShuttingDownException}), lets the accepted ones
   * finish, then closes the plans.
   *
   * @return completes once everything is released
   */
  public CompletableFuture<Void> closeAsync() {
    if (closing.compareAndSet(false, true)) {
      queue.close();
    }
    return terminated;
  }

  /** {@link #closeAsync()} and waits for it. */
  @Override
  public void close() {
    closeAsync().join();
  }

  /** Settings for a {@link ModelPipeline}; devices are compiled by {@link #build()}. */
  public static final class Builder {
    private final String name;
    private final ModelInputSpec spec;
    private final BatchPolicy policy;
    private final List<String> deviceNames = new ArrayList<>();
    private final List<PlanFactory> devices = new ArrayList<>();
    private String fallbackName;
    private PlanFactory fallback;
    private int[] sizes;
    private List<String> labels = List.of();
    private PipelineMetrics metrics = PipelineMetrics.NONE;
    private Scheduler timer = Schedulers.parallel();
    private Scheduler ingest = Schedulers.parallel();
    private boolean warmUp = true;
    private Supervision supervision = Supervision.DEFAULT;

    private Builder(String name, ModelInputSpec spec, BatchPolicy policy) {
      this.name = Objects.requireNonNull(name, "name");
      this.spec = Objects.requireNonNull(spec, "spec");
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Adds a device; each gets its own thread and plans, and batches go to whichever is idle. */
    public Builder device(String deviceName, PlanFactory plans) {
      deviceNames.add(Objects.requireNonNull(deviceName, "deviceName"));
      devices.add(Objects.requireNonNull(plans, "plans"));
      return this;
    }

    /** Where a failed device's batches run (each device compiles its own on first failure). */
    public Builder fallback(String fallbackName, PlanFactory plans) {
      this.fallbackName = Objects.requireNonNull(fallbackName, "fallbackName");
      this.fallback = Objects.requireNonNull(plans, "plans");
      return this;
    }

    /**
     * Batch sizes to compile plans for; the largest must be at least maxBatch. Default: powers of
     * two below maxBatch, and maxBatch.
     */
    public Builder planBatchSizes(int... sizes) {
      this.sizes = sizes.clone();
      return this;
    }

    /** Class names by index of the first output, for top-k results. */
    public Builder labels(List<String> labels) {
      this.labels = List.copyOf(labels);
      return this;
    }

    public Builder metrics(PipelineMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Runs the batcher's max-delay timeouts (a virtual-time scheduler in tests). */
    public Builder timer(Scheduler timer) {
      this.timer = Objects.requireNonNull(timer, "timer");
      return this;
    }

    /** Decodes frames into batches. Default: Reactor's parallel scheduler. */
    public Builder ingest(Scheduler ingest) {
      this.ingest = Objects.requireNonNull(ingest, "ingest");
      return this;
    }

    /**
     * Re-probing of failed devices and shadow verification (default {@link Supervision#DEFAULT}).
     */
    public Builder supervision(Supervision supervision) {
      this.supervision = Objects.requireNonNull(supervision, "supervision");
      return this;
    }

    /** Whether each plan runs once on zeros before the pipeline accepts frames (default true). */
    public Builder warmUp(boolean warmUp) {
      this.warmUp = warmUp;
      return this;
    }

    private int[] resolvedSizes() {
      TreeSet<Integer> set = new TreeSet<>();
      if (sizes == null) {
        for (int s = 1; s < policy.maxBatch(); s *= 2) {
          set.add(s);
        }
        set.add(policy.maxBatch());
      } else {
        for (int s : sizes) {
          if (s < 1) {
            throw new IllegalArgumentException("plan batch sizes must be positive, got " + s);
          }
          set.add(s);
        }
        if (set.isEmpty() || set.last() < policy.maxBatch()) {
          throw new IllegalArgumentException(
              "plan batch sizes "
                  + Arrays.toString(sizes)
                  + " must include one of at least maxBatch "
                  + policy.maxBatch());
        }
      }
      return set.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Compiles every device's plans (and warms them up) and starts the flow.
     *
     * @throws io.framegate.accelerator.error.InvalidModelException if a plan does not fit the input
     *     spec
     */
    public ModelPipeline build() {
      if (devices.isEmpty()) {
        throw new IllegalStateException("model '" + name + "' has no device");
      }
      int[] planSizes = resolvedSizes();
      int[] frameShape = {spec.channels(), spec.height(), spec.width()};
      List<Dispatcher> started = new ArrayList<>();
      try {
        for (int i = 0; i < devices.size(); i++) {
          String device = deviceNames.get(i);
          Dispatcher d =
              Dispatcher.start(
                  name,
                  device,
                  devices.get(i),
                  fallbackName,
                  fallback,
                  planSizes,
                  spec.inputName(),
                  frameShape,
                  supervision,
                  new Dispatcher.Events() {
                    @Override
                    public void fallback(Throwable cause) {
                      metrics.fallback(name, device, cause);
                    }

                    @Override
                    public void shadowChecked(double error, boolean ok) {
                      metrics.shadowCheck(name, device, error, ok);
                    }
                  });
          started.add(d);
          if (warmUp) {
            for (int s : planSizes) {
              Mono.fromRunnable(() -> d.run(new float[s * spec.frameSize()], s))
                  .subscribeOn(d.worker())
                  .block();
            }
          }
        }
      } catch (RuntimeException e) {
        started.forEach(Dispatcher::close);
        throw e;
      }
      return new ModelPipeline(this, started);
    }
  }
}
