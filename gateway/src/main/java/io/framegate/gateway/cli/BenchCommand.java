package io.framegate.gateway.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.graph.FlopCounter;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.plan.JvmPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code framegate bench}: throughput and latency of one model at one batch size on one backend, or
 * on ONNX Runtime in the same process ({@code --backend ort}) so that ratios are measured side by
 * side.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Warms a model up (at least a second, then until the JIT has been idle for a second, at"
          + " most a minute), then runs it on seeded random inputs for a while and reports images/s,"
          + " latency p50/p90 and achieved GFLOP/s (convolution and matrix FLOPs of the graph).",
      "--backend ort runs the same file through ONNX Runtime in this process."
    })
public final class BenchCommand implements Callable<Integer> {
  static final String ORT = "ort";

  /** Warm-up gives up waiting for the JIT to go quiet after this long. */
  private static final double MAX_WARMUP_SECONDS = 60;

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "The ONNX model.")
  Path model;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1",
      description = "Batch size (dimension 0 of every input; default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--backend",
      paramLabel = "NAME",
      defaultValue = Backends.DEFAULT,
      description = "A framegate backend, or 'ort' (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description = "Threads for the run (default: the number of cores).")
  Integer threads;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "10",
      description = "How long to measure after warming up (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Option(
      names = "--profile",
      arity = "0..1",
      fallbackValue = "20",
      paramLabel = "TOP",
      description =
          "Also time every step of the plan (JVM backends; with ort, every kernel of its"
              + " optimised graph, from its profiler) and list the TOP slowest (default 20) with"
              + " their share of the run, and the time per operator type.")
  Integer profile;

  /** One inference, as the benchmark loop sees it. */
  private interface Runner extends AutoCloseable {
    void runOnce() throws Exception;

    /** Whether {@link #startProfile} and {@link #profile} can time the parts of a run. */
    default boolean profiles() {
      return false;
    }

    /** Starts timing the parts of every run from now on. */
    default void startProfile() {}

    /** The parts' times since {@link #startProfile}, the {@code top} slowest listed. */
    default Profile profile(int top) throws Exception {
      throw new IllegalStateException("not profiling");
    }

    @Override
    void close() throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    CommandLine cmd = spec.commandLine();
    if (batch < 1) {
      throw new ParameterException(cmd, "--batch must be 1 or more, not " + batch);
    }
    if (!(seconds > 0)) {
      throw new ParameterException(cmd, "--seconds must be positive, not " + seconds);
    }
    int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (t < 1) {
      throw new ParameterException(cmd, "--threads must be 1 or more, not " + t);
    }
    if (!backend.equals(ORT)) {
      Backends.check(backend, cmd);
    }
    if (profile != null && profile < 1) {
      throw new ParameterException(cmd, "--profile must list 1 or more steps, not " + profile);
    }
    if (!Files.isRegularFile(model)) {
      throw new ParameterException(cmd, "model file not found: " + model);
    }
    Graph graph = Model.load(model).specialize(batch);
    Map<String, Tensor> inputs = randomInputs(graph);
    long flops = FlopCounter.count(graph);

    double[] latencies;
    long total;
    Profile steps = null;
    try (Runner runner = backend.equals(ORT) ? ort(inputs, t) : framegate(graph, inputs, t)) {
      if (profile != null && !runner.profiles()) {
        throw new ParameterException(
            cmd, "--profile times JVM plans and ONNX Runtime; backend " + backend + " is neither");
      }
      // warm up: caches, lazy initialisation, and the JIT until it has nothing left to compile
      Warmup.of(1, MAX_WARMUP_SECONDS).run(runner::runOnce);
      if (profile != null) {
        runner.startProfile();
      }
      latencies = new double[1024];
      int n = 0;
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long now = start;
      while (n < 5 || now < end) {
        long before = System.nanoTime();
        runner.runOnce();
        now = System.nanoTime();
        if (n == latencies.length) {
          latencies = Arrays.copyOf(latencies, n * 2);
        }
        latencies[n++] = (now - before) / 1e6;
      }
      total = now - start;
      latencies = Arrays.copyOf(latencies, n);
      if (profile != null) {
        steps = runner.profile(profile);
      }
    }
    int runs = latencies.length;
    double secs = total / 1e9;
    double[] sorted = latencies.clone();
    Arrays.sort(sorted);
    Report r =
        new Report(
            model.getFileName().toString(),
            backend,
            batch,
            t,
            runs,
            runs * (double) batch / secs,
            percentile(sorted, 50),
            percentile(sorted, 90),
            flops * (double) runs / secs / 1e9,
            flops / 1e9);
    print(r, steps, cmd.getOut());
    return 0;
  }

  /** What one benchmark measured. */
  record Report(
      String model,
      String backend,
      int batch,
      int threads,
      int runs,
      double imagesPerSecond,
      double p50Millis,
      double p90Millis,
      double gflopsPerSecond,
      double gflopPerRun) {}

  private void print(Report r, Profile profile, PrintWriter out) throws Exception {
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode o = mapper.createObjectNode();
      o.put("model", r.model());
      o.put("backend", r.backend());
      o.put("batch", r.batch());
      o.put("threads", r.threads());
      o.put("runs", r.runs());
      o.put("images_per_second", round(r.imagesPerSecond()));
      o.put("latency_p50_ms", round(r.p50Millis()));
      o.put("latency_p90_ms", round(r.p90Millis()));
      o.put("gflops_per_second", round(r.gflopsPerSecond()));
      o.put("gflop_per_run", round(r.gflopPerRun()));
      if (profile != null) {
        profile.toJson(o.putObject("profile"));
      }
      out.println(mapper.writeValueAsString(o));
    } else {
      out.printf(
          Locale.ROOT,
          "%s  backend=%s batch=%d threads=%d runs=%d%n"
              + "  %.2f images/s   latency p50 %.2f ms  p90 %.2f ms   %.2f GFLOP/s (%.3f GFLOP/run)%n",
          r.model(),
          r.backend(),
          r.batch(),
          r.threads(),
          r.runs(),
          r.imagesPerSecond(),
          r.p50Millis(),
          r.p90Millis(),
          r.gflopsPerSecond(),
          r.gflopPerRun());
      if (profile != null) {
        profile.print(out);
      }
    }
    out.flush();
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static double percentile(double[] sorted, double p) {
    // nearest rank: the smallest value with at least p% of the runs at or below it
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
  }

  private static Map<String, Tensor> randomInputs(Graph graph) {
    Random random = new Random(42);
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (ValueInfo in : graph.inputs()) {
      int[] shape = in.shape();
      float[] data = new float[Shapes.size(shape)];
      for (int i = 0; i < data.length; i++) {
        data[i] = random.nextFloat();
      }
      inputs.put(in.name(), Tensor.of(data, shape));
    }
    return inputs;
  }

  private Runner framegate(Graph graph, Map<String, Tensor> inputs, int t) {
    ExecutionPlan plan = Backends.create(backend).withThreads(t).compile(graph);
    return new Runner() {
      @Override
      public void runOnce() {
        plan.run(inputs);
      }

      @Override
      public boolean profiles() {
        return plan instanceof JvmPlan;
      }

      @Override
      public void startProfile() {
        ((JvmPlan) plan).profile(true);
      }

      @Override
      public Profile profile(int top) {
        JvmPlan jvm = (JvmPlan) plan;
        return Profile.of(jvm.stepTimes(), jvm.profiledRuns(), top);
      }

      @Override
      public void close() {
        plan.close();
      }
    };
  }

  private Runner ort(Map<String, Tensor> inputs, int t) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(t);
    options.setInterOpNumThreads(1);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    // ORT's profiler can only be switched on with the session: it records the warm-up too, and
    // the profile skips the runs before startProfile
    Path traceDir = profile == null ? null : Files.createTempDirectory("framegate-ort-profile");
    if (traceDir != null) {
      options.enableProfiling(traceDir.resolve("ort").toString());
    }
    OrtSession session = env.createSession(model.toString(), options);
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    for (var e : inputs.entrySet()) {
      long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
      feeds.put(
          e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().floats()), shape));
    }
    return new Runner() {
      private int runs;
      private int warmRuns;

      @Override
      public void runOnce() throws OrtException {
        try (OrtSession.Result ignored = session.run(feeds)) {
          // outputs are read back into Java buffers by run itself
        }
        runs++;
      }

      @Override
      public boolean profiles() {
        return traceDir != null;
      }

      @Override
      public void startProfile() {
        warmRuns = runs;
      }

      @Override
      public Profile profile(int top) throws Exception {
        OrtProfile.Timings timings = OrtProfile.read(Path.of(session.endProfiling()), warmRuns);
        return Profile.of(timings.nodes(), timings.runs(), top);
      }

      @Override
      public void close() throws Exception {
        for (OnnxTensor tensor : feeds.values()) {
          tensor.close();
        }
        session.close();
        options.close();
        if (traceDir != null) {
          // the trace ORT wrote (when the session closes, if the profile was never read)
          try (var files = Files.list(traceDir)) {
            for (Path f : files.toList()) {
              Files.deleteIfExists(f);
            }
          }
          Files.deleteIfExists(traceDir);
        }
      }
    };
  }
}
