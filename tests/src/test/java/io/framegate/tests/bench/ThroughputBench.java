package io.framegate.tests.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.plan.WorkerPool;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import io.framegate.accelerator.vector.Sgemm;
import io.framegate.gateway.cli.Warmup;
import io.framegate.proto.onnx.GraphProto;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.NodeProto;
import io.framegate.proto.onnx.OperatorSetIdProto;
import io.framegate.proto.onnx.TensorProto;
import io.framegate.proto.onnx.TensorShapeProto;
import io.framegate.proto.onnx.TypeProto;
import io.framegate.proto.onnx.ValueInfoProto;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of a framegate backend against ONNX Runtime in the same process, on the same inputs,
 * in alternating timed rounds so that both see the same machine load. For each model and batch it
 * reports images per second, p50/p90 latency and GFLOP/s (2 × the multiply-adds of every Conv and
 * Gemm/MatMul of the specialised graph), and it measures a same-run ceiling: framegate's GEMM
 * kernel and ONNX Runtime on one large square matrix product. Writes a markdown table.
 *
 * <p>Arguments ({@code --name=value}): models (comma-separated: resnet18, mobilenetV2, vgg16,
 * inceptionV3Style or any of {@link Architectures#all()}), batches (1,8), backend (jvm-vector),
 * threads (2; also ONNX Runtime's intra-op threads), rounds (3), seconds (per side per round, 2),
 * gemm (1024), out (bench.md), save (a directory to write each model's ONNX file to, so that {@code
 * framegate bench --profile} can look into it; none by default).
 */
public final class ThroughputBench {
  private ThroughputBench() {}

  record Options(
      List<String> models,
      int[] batches,
      String backend,
      int threads,
      int rounds,
      double seconds,
      int gemm,
      Path out,
      Path save) {
    Options {
      if (threads < 1 || rounds < 1 || seconds <= 0 || gemm < 1 || batches.length == 0) {
        throw new IllegalArgumentException("threads, rounds, seconds, gemm must be positive");
      }
    }

    static Options parse(String[] args) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("models", "resnet18,mobilenetV2,vgg16,inceptionV3Style");
      m.put("batches", "1,8");
      m.put("backend", "jvm-vector");
      m.put("threads", "2");
      m.put("rounds", "3");
      m.put("seconds", "2");
      m.put("gemm", "1024");
      m.put("out", "bench.md");
      m.put("save", "");
      for (String a : args) {
        int eq = a.indexOf('=');
        if (!a.startsWith("--") || eq < 0 || !m.containsKey(a.substring(2, eq))) {
          throw new IllegalArgumentException(
              "unknown argument " + a + "; expected --name=value with name in " + m.keySet());
        }
        m.put(a.substring(2, eq), a.substring(eq + 1));
      }
      return new Options(
          List.of(m.get("models").split(",")),
          Arrays.stream(m.get("batches").split(",")).mapToInt(Integer::parseInt).toArray(),
          m.get("backend"),
          Integer.parseInt(m.get("threads")),
          Integer.parseInt(m.get("rounds")),
          Double.parseDouble(m.get("seconds")),
          Integer.parseInt(m.get("gemm")),
          Path.of(m.get("out")),
          m.get("save").isEmpty() ? null : Path.of(m.get("save")));
    }
  }

  /** Latencies of one side, in nanoseconds, over all rounds, and each round's throughput. */
  static final class Samples {
    final List<Long> nanos = new ArrayList<>();
    final List<Double> roundRates = new ArrayList<>();
    long total;
    private int roundStart;
    private long roundStartTotal;

    void add(long n) {
      nanos.add(n);
      total += n;
    }

    /** Closes a round: its items per second join {@link #roundRates}. */
    void endRound(int itemsPerRun) {
      int runs = nanos.size() - roundStart;
      roundRates.add(runs * (double) itemsPerRun / ((total - roundStartTotal) / 1e9));
      roundStart = nanos.size();
      roundStartTotal = total;
    }

    double perSecond(int itemsPerRun) {
      return nanos.size() * (double) itemsPerRun / (total / 1e9);
    }

    double percentileMs(double p) {
      long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1e6;
    }

    double meanMs() {
      return total / 1e6 / nanos.size();
    }
  }

  record Row(
      String model, int batch, double gflop, Samples framegate, Samples ort, double relativeDiff) {
    /**
     * framegate/ORT throughput of each round, sorted. Both sides of a round ran seconds apart, so
     * the machine's drift between rounds cancels in each ratio, which the totals would mix in.
     */
    double[] roundRatios() {
      double[] r = new double[framegate.roundRates.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = framegate.roundRates.get(i) / ort.roundRates.get(i);
      }
      Arrays.sort(r);
      return r;
    }

    /** The median of {@link #roundRatios()}. */
    double ratio() {
      double[] r = roundRatios();
      int m = r.length / 2;
      return r.length % 2 == 1 ? r[m] : (r[m - 1] + r[m]) / 2;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Backend backend = backend(o.backend(), o.threads());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Row> rows = new ArrayList<>();
    for (String name : o.models()) {
      Architecture arch = architecture(name);
      byte[] bytes = arch.bytes();
      if (o.save() != null) {
        Files.createDirectories(o.save());
        Files.write(o.save().resolve(name + ".onnx"), bytes);
      }
      Model model = Model.load(bytes, name);
      for (int batch : o.batches()) {
        rows.add(measure(o, env, backend, model, bytes, name, batch));
        System.out.println(format(rows.getLast()));
      }
    }
    double[] ceiling = gemmCeiling(o, env);
    String table = table(o, rows, ceiling);
    System.out.println();
    System.out.println(table);
    Files.writeString(o.out(), table);
    System.out.println("written to " + o.out().toAbsolutePath());
  }

  private static Backend backend(String name, int threads) throws ReflectiveOperationException {
    // a fresh instance with the requested thread count, found by name on the class path
    Class<? extends Backend> type = Backends.byName(name).getClass();
    return type.getConstructor(int.class).newInstance(threads);
  }

  private static Architecture architecture(String name) {
    if (name.equals("inceptionV3Style")) {
      return Architectures.inceptionV3StyleArchitecture();
    }
    return Architectures.all().stream()
        .filter(a -> a.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown model " + name));
  }

  private static Row measure(
      Options o,
      OrtEnvironment env,
      Backend backend,
      Model model,
      byte[] bytes,
      String name,
      int batch)
      throws Exception {
    Graph g = model.specialize(batch);
    int[] shape = g.inputs().get(0).shape();
    float[] input = new float[Shapes.size(shape)];
    Random random = new Random(42);
    for (int i = 0; i < input.length; i++) {
      input[i] = 2f * random.nextFloat() - 1f;
    }
    Map<String, Tensor> feed = Map.of(g.inputs().get(0).name(), Tensor.of(input, shape));
    Samples fg = new Samples();
    Samples ort = new Samples();
    double diff;
    try (ExecutionPlan plan = backend.compile(g);
        OrtSession.SessionOptions options = ortOptions(o.threads());
        OrtSession session = env.createSession(bytes, options);
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), toLongs(shape))) {
      Map<String, OnnxTensor> ortFeed = Map.of(g.inputs().get(0).name(), in);
      // warm-up: the JIT compiles the kernels, ONNX Runtime allocates its arenas
      float[] mine = null;
      float[] theirs = null;
      for (int i = 0; i < 3; i++) {
        mine = plan.run(feed).values().iterator().next().floats();
        try (OrtSession.Result r = session.run(ortFeed)) {
          FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
          theirs = new float[fb.remaining()];
          fb.get(theirs);
        }
      }
      // until the JIT has nothing left to compile: earlier rounds would understate framegate
      Warmup.of(o.seconds(), 120).run(() -> plan.run(feed));
      diff = relativeDiff(theirs, mine);
      Warmup.Work mineRun = () -> plan.run(feed);
      Warmup.Work ortRun =
          () -> {
            try (OrtSession.Result r = session.run(ortFeed)) {
              r.get(0);
            }
          };
      for (int round = 0; round < o.rounds(); round++) {
        round(round, o.seconds(), fg, mineRun, ort, ortRun);
        fg.endRound(batch);
        ort.endRound(batch);
      }
    }
    return new Row(name, batch, flops(g) / 1e9, fg, ort, diff);
  }

  private static OrtSession.SessionOptions ortOptions(int threads) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    return options;
  }

  /**
   * One timed round of each side; the sides take turns going first (framegate in even rounds), so
   * that neither always follows the other.
   */
  private static void round(
      int round, double seconds, Samples fg, Warmup.Work mine, Samples ort, Warmup.Work theirs) {
    if (round % 2 == 0) {
      timed(seconds, fg, mine);
      timed(seconds, ort, theirs);
    } else {
      timed(seconds, ort, theirs);
      timed(seconds, fg, mine);
    }
  }

  private static void timed(double seconds, Samples s, Warmup.Work r) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    try {
      do {
        long t0 = System.nanoTime();
        r.run();
        s.add(System.nanoTime() - t0);
      } while (System.nanoTime() < end);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** 2 × multiply-adds of the convolutions and matrix products of a specialised graph. */
  static double flops(Graph g) {
    double total = 0;
    for (Node n : g.nodes()) {
      boolean conv =
          n.opType().equals("Conv")
              || (n.opType().equals("FusedConv") && n.domain().equals(Operators.INTERNAL_DOMAIN));
      if (conv) {
        int[] w = g.value(n.input(1)).shape();
        int[] y = g.value(n.outputs().get(0)).shape();
        // every output value takes C/G · kernel taps multiply-adds
        total += 2.0 * Shapes.size(y) * (Shapes.size(w) / w[0]);
      } else if (n.opType().equals("Gemm") || n.opType().equals("MatMul")) {
        int[] a = g.value(n.input(0)).shape();
        int[] y = g.value(n.outputs().get(0)).shape();
        int k =
            n.opType().equals("Gemm") && n.attributes().getInt("transA", 0) != 0
                ? a[0]
                : a[a.length - 1];
        total += 2.0 * Shapes.size(y) * k;
      }
    }
    return total;
  }

  private static double relativeDiff(float[] want, float[] got) {
    double max = 0;
    double diff = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i]));
      diff = Math.max(diff, Math.abs((double) want[i] - got[i]));
    }
    return diff / max;
  }

  /** {framegate GFLOP/s, ONNX Runtime GFLOP/s} on an n×n×n product. */
  private static double[] gemmCeiling(Options o, OrtEnvironment env) throws Exception {
    int n = o.gemm();
    float[] a = new float[n * n];
    float[] b = new float[n * n];
    float[] c = new float[n * n];
    Random random = new Random(7);
    for (int i = 0; i < a.length; i++) {
      a[i] = random.nextFloat() - 0.5f;
      b[i] = random.nextFloat() - 0.5f;
    }
    Samples fg = new Samples();
    Samples ort = new Samples();
    Step step = Sgemm.product(a, b, c, n, n, n, o.threads());
    long[] dims = {n, n};
    try (WorkerPool pool = new WorkerPool(o.threads(), "bench-gemm");
        OrtSession.SessionOptions options = ortOptions(o.threads());
        OrtSession session = env.createSession(matmulModel(n).toByteArray(), options);
        OnnxTensor ta = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), dims);
        OnnxTensor tb = OnnxTensor.createTensor(env, FloatBuffer.wrap(b), dims)) {
      Map<String, OnnxTensor> feed = Map.of("A", ta, "B", tb);
      Warmup.Work ortRun =
          () -> {
            try (OrtSession.Result r = session.run(feed)) {
              r.get(0);
            }
          };
      Warmup.of(1, 60).run(() -> step.run(pool));
      Warmup.of(1, 1).run(ortRun);
      for (int round = 0; round < o.rounds(); round++) {
        round(round, o.seconds(), fg, () -> step.run(pool), ort, ortRun);
      }
    }
    double flop = 2.0 * n * n * n;
    return new double[] {flop / (fg.meanMs() * 1e6), flop / (ort.meanMs() * 1e6)};
  }

  /** C = A·B for two n×n inputs. */
  static ModelProto matmulModel(int n) {
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder()
                    .setElemType(TensorProto.DataType.FLOAT_VALUE)
                    .setShape(
                        TensorShapeProto.newBuilder()
                            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(n))
                            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(n))))
            .build();
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("matmul")
            .addNode(
                NodeProto.newBuilder()
                    .setOpType("MatMul")
                    .setName("mm")
                    .addInput("A")
                    .addInput("B")
                    .addOutput("C"))
            .addInput(ValueInfoProto.newBuilder().setName("A").setType(type))
            .addInput(ValueInfoProto.newBuilder().setName("B").setType(type))
            .addOutput(ValueInfoProto.newBuilder().setName("C").setType(type))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph)
        .build();
  }

  private static String format(Row r) {
    return String.format(
        Locale.ROOT,
        "%s b%d: framegate %.1f img/s (p50 %.1f ms), ORT %.1f img/s (p50 %.1f ms), median round ratio %.2f,"
            + " max rel diff %.1e",
        r.model(),
        r.batch(),
        r.framegate().perSecond(r.batch()),
        r.framegate().percentileMs(0.5),
        r.ort().perSecond(r.batch()),
        r.ort().percentileMs(0.5),
        r.ratio(),
        r.relativeDiff());
  }

  static String table(Options o, List<Row> rows, double[] ceiling) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "## framegate %s vs ONNX Runtime (%d threads each, %d alternating rounds of %.1f s)%n%n"
                + "framegate/ORT is the median of the rounds' ratios; the next column their range.%n%n",
            o.backend(),
            o.threads(),
            o.rounds(),
            o.seconds()));
    sb.append(
        "| model | batch | GFLOP/img | framegate img/s | p50 ms | p90 ms | GFLOP/s"
            + " | ORT img/s | p50 ms | p90 ms | GFLOP/s | framegate/ORT | rounds"
            + " | max rel diff |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      double fgRate = r.framegate().perSecond(r.batch());
      double ortRate = r.ort().perSecond(r.batch());
      double[] ratios = r.roundRatios();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |"
                  + " %.2f–%.2f | %.1e |%n",
              r.model(),
              r.batch(),
              r.gflop() / r.batch(),
              fgRate,
              r.framegate().percentileMs(0.5),
              r.framegate().percentileMs(0.9),
              r.gflop() / (r.framegate().meanMs() / 1e3),
              ortRate,
              r.ort().percentileMs(0.5),
              r.ort().percentileMs(0.9),
              r.gflop() / (r.ort().meanMs() / 1e3),
              r.ratio(),
              ratios[0],
              ratios[ratios.length - 1],
              r.relativeDiff()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%nSGEMM ceiling (%d×%d×%d, same run): framegate kernel %.1f GFLOP/s,"
                + " ONNX Runtime MatMul %.1f GFLOP/s; vector length %d floats.%n",
            o.gemm(),
            o.gemm(),
            o.gemm(),
            ceiling[0],
            ceiling[1],
            Sgemm.vectorLength()));
    return sb.toString();
  }

  private static long[] toLongs(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }
}
