package io.framegate.gateway.cli;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.backend.Verification;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.gateway.io.Npy;
import io.framegate.hardware.HardwareProfile;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code framegate verify}: runs a model on the plan a hardware profile selects and on the JVM
 * reference, and compares every output; the pure-JVM check of a device's results.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a model on the backend a hardware profile selects and on the JVM reference, and prints per"
          + " output the max absolute and max relative error (relative to max |reference|).",
      "An element agrees when |x - ref| <= 1e-5 * (|ref| + max |ref|). Exit status: 0 when every"
          + " output agrees, 3 when one does not, 1 or 2 on errors."
    })
public final class VerifyCommand implements Callable<Integer> {
  static final int DISAGREES = 3;

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE", description = "The ONNX model.")
  Path model;

  @Option(
      names = "--device",
      required = true,
      paramLabel = "PROFILE",
      description = "A shipped hardware profile (e.g. opencl-cpu, jvm-vector) or a profile file.")
  String device;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Batch size.")
  int batch;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "A .npy for the model's (single) input; default: seeded random values in [-1, 1).")
  Path input;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random input.")
  long seed;

  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    if (batch < 1) {
      throw new ParameterException(cmd, "--batch must be 1 or more, not " + batch);
    }
    if (!Files.isRegularFile(model)) {
      throw new ParameterException(cmd, "model file not found: " + model);
    }
    if (input != null && !Files.isRegularFile(input)) {
      throw new ParameterException(cmd, "input file not found: " + input);
    }
    HardwareProfile profile;
    Backend backend;
    try {
      profile = ProfileBackends.load(device);
      backend = ProfileBackends.resolve(profile);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cmd, e.getMessage());
    }
    Model m = Model.load(model);
    Map<String, Tensor> feed;
    Graph graph;
    if (input != null) {
      Tensor t = Npy.read(input);
      if (m.inputs().size() != 1) {
        throw new ParameterException(
            cmd, "--input works with one-input models; this one has " + m.inputs().size());
      }
      graph = m.specialize(Map.of(m.inputs().get(0).name(), t.shape()), Map.of());
      feed = Map.of(m.inputs().get(0).name(), t);
    } else {
      graph = m.specialize(batch);
      feed = Verification.randomInputs(graph, seed);
    }

    long t0 = System.nanoTime();
    Map<String, Tensor> expected;
    try (ExecutionPlan ref = new ReferenceBackend().compile(graph)) {
      expected = ref.run(feed);
    }
    long refNanos = System.nanoTime() - t0;
    long t1 = System.nanoTime();
    Map<String, Tensor> actual;
    long steady;
    try (ExecutionPlan plan = backend.compile(graph)) {
      actual = plan.run(feed);
      long first = System.nanoTime() - t1;
      long t2 = System.nanoTime();
      plan.run(feed);
      steady = System.nanoTime() - t2;
      t1 = first;
    }

    PrintWriter out = cmd.getOut();
    out.printf(
        Locale.ROOT,
        "%s on %s (profile %s) vs %s, batch %d%n",
        model.getFileName(),
        backend.name(),
        profile.name(),
        ReferenceBackend.NAME,
        graph.inputs().isEmpty() ? batch : graph.inputs().get(0).shape()[0]);
    boolean all = true;
    Map<String, double[]> rows = new LinkedHashMap<>();
    for (var e : expected.entrySet()) {
      float[] ref = e.getValue().toFloats();
      float[] got = actual.get(e.getKey()).toFloats();
      double scale = Float.MIN_NORMAL;
      for (float v : ref) {
        if (Float.isFinite(v)) {
          scale = Math.max(scale, Math.abs(v));
        }
      }
      double maxAbs = 0;
      boolean agrees = true;
      for (int i = 0; i < ref.length; i++) {
        double err = Float.compare(ref[i], got[i]) == 0 ? 0 : Math.abs((double) ref[i] - got[i]);
        maxAbs = Math.max(maxAbs, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
        agrees &= err <= Verification.RTOL * (Math.abs(ref[i]) + scale);
      }
      all &= agrees;
      rows.put(e.getKey(), new double[] {maxAbs, maxAbs / scale, agrees ? 1 : 0});
    }
    rows.forEach(
        (name, r) ->
            out.printf(
                Locale.ROOT,
                "  %-24s max abs %.3e  max rel %.3e  %s%n",
                name,
                r[0],
                r[1],
                r[2] == 1 ? "ok" : "ABOVE TOLERANCE"));
    out.printf(
        Locale.ROOT,
        "  first call %.1f ms (plan build incl. device compile + one run), next run %.1f ms;"
            + " reference build + run %.1f ms%n",
        t1 / 1e6,
        steady / 1e6,
        refNanos / 1e6);
    out.println(all ? "agrees" : "DISAGREES: above tolerance " + Verification.RTOL);
    out.flush();
    return all ? 0 : DISAGREES;
  }
}
