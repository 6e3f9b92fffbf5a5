package io.framegate.accelerator.backend;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Runs one specialised graph on a backend and on the JVM reference with the same seeded input and
 * reports how far apart they are and how long each took: what {@code framegate verify} prints and
 * what shadow verification exports.
 */
public final class Verification {
  /** Agreement rule: |x − ref| ≤ RTOL·(|ref| + max|ref|) element-wise. */
  public static final double RTOL = 1e-5;

  private Verification() {}

  /**
   * @param maxError largest |x − ref| over all outputs
   * @param maxRelativeError largest |x − ref| / max|ref| of its output
   * @param agrees whether every element meets {@link #RTOL}
   * @param firstCallNanos building the plan (for devices: JIT and driver compile) plus one run
   * @param steadyNanos mean of the timed runs after a warm-up run
   */
  public record Report(
      String backend,
      double maxError,
      double maxRelativeError,
      boolean agrees,
      long firstCallNanos,
      long steadyNanos,
      long referenceFirstCallNanos,
      long referenceSteadyNanos) {}

  /** Compares {@code backend} with a {@link ReferenceBackend} on {@code graph}. */
  public static Report run(Graph graph, Backend backend, long seed, int timedRuns) {
    if (timedRuns < 1) {
      throw new IllegalArgumentException("timedRuns must be at least 1, is " + timedRuns);
    }
    Map<String, Tensor> feed = randomInputs(graph, seed);
    long t0 = System.nanoTime();
    try (ExecutionPlan ref = new ReferenceBackend().compile(graph)) {
      Map<String, Tensor> expected = ref.run(feed);
      long refFirst = System.nanoTime() - t0;
      long refSteady = steady(ref, feed, timedRuns);
      long t1 = System.nanoTime();
      try (ExecutionPlan plan = backend.compile(graph)) {
        Map<String, Tensor> actual = plan.run(feed);
        long first = System.nanoTime() - t1;
        long steadyTime = steady(plan, feed, timedRuns);
        Comparison c = compare(actual, expected);
        return new Report(
            backend.name(),
            c.maxError,
            c.maxRelativeError,
            c.agrees,
            first,
            steadyTime,
            refFirst,
            refSteady);
      }
    }
  }

  /**
   * The largest |x − ref| ÷ max|ref| over the outputs of {@code expected} (max over the finite
   * values of each output); NaN where one side has a NaN the other does not, infinite if {@code
   * actual} lacks an output or has another size.
   */
  public static double maxRelativeError(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    return compare(actual, expected).maxRelativeError;
  }

  private record Comparison(double maxError, double maxRelativeError, boolean agrees) {}

  private static Comparison compare(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    double maxErr = 0;
    double maxRel = 0;
    boolean agrees = true;
    for (var e : expected.entrySet()) {
      Tensor got = actual.get(e.getKey());
      float[] a = e.getValue().toFloats();
      float[] b = got == null ? null : got.toFloats();
      if (b == null || b.length != a.length) {
        return new Comparison(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, false);
      }
      double scale = Float.MIN_NORMAL;
      for (float v : a) {
        if (Float.isFinite(v)) {
          scale = Math.max(scale, Math.abs(v));
        }
      }
      for (int i = 0; i < a.length; i++) {
        double err = Math.abs((double) a[i] - b[i]);
        if (Float.compare(a[i], b[i]) == 0) {
          err = 0; // equal infinities and NaNs agree
        }
        maxErr = Math.max(maxErr, err);
        maxRel = Math.max(maxRel, err / scale);
        if (!(err <= RTOL * (Math.abs(a[i]) + scale))) {
          agrees = false;
        }
      }
    }
    return new Comparison(maxErr, maxRel, agrees);
  }

  /** Uniform values in [−1, 1) for every input, from one seed. */
  public static Map<String, Tensor> randomInputs(Graph g, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> feed = new LinkedHashMap<>();
    for (ValueInfo in : g.inputs()) {
      float[] x = new float[Shapes.size(in.shape())];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextFloat() * 2f - 1f;
      }
      feed.put(in.name(), Tensor.of(x, in.shape()));
    }
    return feed;
  }

  private static long steady(ExecutionPlan plan, Map<String, Tensor> feed, int runs) {
    plan.run(feed);
    long t = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      plan.run(feed);
    }
    return (System.nanoTime() - t) / runs;
  }
}
