package io.framegate.tests.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Two builds of the engine in one JVM, timed against each other: each build's classes (proto and
 * accelerator) are loaded through a class loader of their own, both compile the same model with the
 * jvm-vector backend, and they run in alternating rounds of equal length. On a machine whose speed
 * drifts between minutes, the ratio of two builds measured this way is steadier than the ratio of
 * two separate benchmark runs; running a build against itself shows the remaining spread.
 *
 * <p>Arguments ({@code --name=value}): model (an ONNX file), a and b (each a path list of that
 * build's class directories), deps (a file holding the shared third-party class path), batch (1),
 * threads (2), rounds (8), seconds (per build per round, 3).
 */
public final class TwoBuilds {
  private TwoBuilds() {}

  /** One build's compiled plan, run through reflection (its classes are not ours). */
  private record Build(String name, Object plan, Method run, Map<String, Object> feed) {
    void runOnce() throws Exception {
      run.invoke(plan, feed);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new java.util.HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("arguments are --name=value, not " + a);
      }
      o.put(a.substring(2, eq), a.substring(eq + 1));
    }
    Path model = Path.of(required(o, "model"));
    int batch = Integer.parseInt(o.getOrDefault("batch", "1"));
    int threads = Integer.parseInt(o.getOrDefault("threads", "2"));
    int rounds = Integer.parseInt(o.getOrDefault("rounds", "8"));
    double seconds = Double.parseDouble(o.getOrDefault("seconds", "3"));
    List<URL> deps = urls(Files.readString(Path.of(required(o, "deps"))).trim());
    Build a = load("A", required(o, "a"), deps, model, batch, threads);
    Build b = load("B", required(o, "b"), deps, model, batch, threads);
    for (Build x : List.of(a, b)) {
      timed(x, Math.max(5, seconds)); // warm-up: the JIT compiles each build's kernels
    }
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      // alternate which build goes first, so a drift within a round favours neither
      boolean aFirst = r % 2 == 0;
      double first = timed(aFirst ? a : b, seconds);
      double second = timed(aFirst ? b : a, seconds);
      double ra = aFirst ? first : second;
      double rb = aFirst ? second : first;
      ratios[r] = rb / ra;
      System.out.printf(
          Locale.ROOT,
          "round %d: A %.2f img/s, B %.2f img/s, B/A %.3f%n",
          r + 1,
          ra * batch,
          rb * batch,
          ratios[r]);
    }
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(ratios).average().orElse(Double.NaN);
    System.out.printf(
        Locale.ROOT,
        "B/A over %d rounds: mean %.3f, median %.3f, range %.3f–%.3f%n",
        rounds,
        mean,
        sorted[rounds / 2],
        sorted[0],
        sorted[rounds - 1]);
  }

  private static String required(Map<String, String> o, String name) {
    String v = o.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("--" + name + "=... is required");
    }
    return v;
  }

  private static List<URL> urls(String pathList) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String p : pathList.split(java.io.File.pathSeparator)) {
      if (!p.isEmpty()) {
        urls.add(Path.of(p).toUri().toURL());
      }
    }
    return urls;
  }

  private static Build load(
      String name, String classes, List<URL> deps, Path model, int batch, int threads)
      throws Exception {
    List<URL> urls = urls(classes);
    urls.addAll(deps);
    ClassLoader cl =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    Class<?> modelClass = cl.loadClass("io.framegate.accelerator.Model");
    Object loaded = modelClass.getMethod("load", Path.class).invoke(null, model);
    Object graph = modelClass.getMethod("specialize", int.class).invoke(loaded, batch);
    Class<?> backendClass = cl.loadClass("io.framegate.accelerator.vector.VectorBackend");
    Object backend = backendClass.getConstructor(int.class).newInstance(threads);
    Object plan =
        backendClass
            .getMethod("compile", cl.loadClass("io.framegate.accelerator.graph.Graph"))
            .invoke(backend, graph);
    Class<?> tensorClass = cl.loadClass("io.framegate.accelerator.tensor.Tensor");
    Map<String, Object> feed = new java.util.LinkedHashMap<>();
    Random random = new Random(42);
    for (Object in : (List<?>) graph.getClass().getMethod("inputs").invoke(graph)) {
      int[] shape = (int[]) in.getClass().getMethod("shape").invoke(in);
      float[] data = new float[Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
      for (int i = 0; i < data.length; i++) {
        data[i] = random.nextFloat();
      }
      Object tensor =
          tensorClass.getMethod("of", float[].class, int[].class).invoke(null, data, shape);
      feed.put((String) in.getClass().getMethod("name").invoke(in), tensor);
    }
    Method run =
        cl.loadClass("io.framegate.accelerator.plan.ExecutionPlan").getMethod("run", Map.class);
    return new Build(name, plan, run, feed);
  }

  /** Runs per second over about {@code seconds}. */
  private static double timed(Build b, double seconds) throws Exception {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    int runs = 0;
    long now = start;
    while (runs < 3 || now < end) {
      b.runOnce();
      runs++;
      now = System.nanoTime();
    }
    return runs / ((now - start) / 1e9);
  }
}
