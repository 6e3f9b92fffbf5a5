package io.framegate.accelerator.tornado;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import io.framegate.accelerator.vector.VectorBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every generated architecture on the first TornadoVM device, against the JVM reference on the same
 * seeded input; also records how long the first call (TornadoVM JIT + driver compile + first run)
 * and a steady-state run take on the device, the JVM reference and the fast JVM backend
 * (jvm-vector) into target/tornado-timings.md.
 */
class TornadoArchitecturesTest {
  private static final int STEADY_RUNS = 5;
  private static final List<String> TIMINGS = new ArrayList<>();
  private static Backend device;

  @BeforeAll
  static void findDevice() {
    var d = Backends.discover();
    assertFalse(d.devices().isEmpty(), "no TornadoVM device: " + d.notes());
    device = d.devices().get(0);
  }

  @Test
  void devicesAreNamedByDriverAndIndex() {
    var d = Backends.discover();
    assertTrue(d.notes().isEmpty(), "notes: " + d.notes());
    for (int i = 0; i < d.devices().size(); i++) {
      String name = d.devices().get(i).name();
      assertTrue(name.matches("tornado-(opencl|ptx|spirv):\\d+"), name);
    }
    List<String> all = Backends.available().stream().map(Backend::name).toList();
    assertTrue(all.contains(ReferenceBackend.NAME), "JVM backends stay: " + all);
    assertTrue(all.contains(d.devices().get(0).name()), all.toString());
  }

  static List<Architecture> architectures() {
    return Architectures.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void agreesWithTheReference(Architecture arch) {
    Model model = Model.load(arch.bytes(), arch.name());
    int batch = arch.name().startsWith("lenet") ? 3 : 1;
    Graph g = model.specialize(batch);
    Map<String, Tensor> feed = DeviceComparison.randomInputs(g, 42);

    long t0 = System.nanoTime();
    try (ExecutionPlan ref = new ReferenceBackend().compile(g)) {
      Map<String, Tensor> expected = ref.run(feed);
      long refFirst = System.nanoTime() - t0;
      long refSteady = steady(ref, feed);

      long t1 = System.nanoTime();
      try (ExecutionPlan plan = device.compile(g)) {
        Map<String, Tensor> actual = plan.run(feed);
        long devFirst = System.nanoTime() - t1;
        double err = DeviceComparison.assertAgree(expected, actual, arch.name());
        long devSteady = steady(plan, feed);
        // a second, different input must not see the first one's leftovers
        Map<String, Tensor> feed2 = DeviceComparison.randomInputs(g, 7);
        DeviceComparison.assertAgree(ref.run(feed2), plan.run(feed2), arch.name() + " (2nd)");
        long t2 = System.nanoTime();
        try (ExecutionPlan fast = new VectorBackend().compile(g)) {
          fast.run(feed);
          long fastFirst = System.nanoTime() - t2;
          long fastSteady = steady(fast, feed);
          TIMINGS.add(
              String.format(
                  Locale.ROOT,
                  "| %s | %d | %.1f / %.2f | %.1f / %.2f | %.1f / %.2f | %.1e |",
                  arch.name(),
                  batch,
                  refFirst / 1e6,
                  refSteady / 1e6,
                  fastFirst / 1e6,
                  fastSteady / 1e6,
                  devFirst / 1e6,
                  devSteady / 1e6,
                  err));
        }
      }
    }
  }

  private static long steady(ExecutionPlan plan, Map<String, Tensor> feed) {
    plan.run(feed);
    long t = System.nanoTime();
    for (int i = 0; i < STEADY_RUNS; i++) {
      plan.run(feed);
    }
    return (System.nanoTime() - t) / STEADY_RUNS;
  }

  @AfterAll
  static void writeTimings() throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("Device: ").append(device.describe()).append("\n\n");
    sb.append(
        "| architecture | batch | jvm-reference first / steady ms | jvm-vector first / steady ms |"
            + " device first (JIT + driver compile + run) / steady ms | device max error / max|ref|"
            + " |\n");
    sb.append("|---|---|---|---|---|---|\n");
    TIMINGS.forEach(l -> sb.append(l).append('\n'));
    Path out = Path.of("target", "tornado-timings.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString());
    System.out.println(sb);
  }
}
