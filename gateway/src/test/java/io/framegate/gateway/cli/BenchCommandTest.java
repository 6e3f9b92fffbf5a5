package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.graph.FlopCounter;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class BenchCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FramegateCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  private Path smallModel() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("small", 13, 9);
    String x = b.input("x", 3, 12, 12);
    String y = b.gemm(b.flatten(b.relu(b.conv(x, 4, 3, 1, 1))), 5);
    Path file = dir.resolve("small.onnx");
    Files.write(file, b.output(y).toBytes());
    return file;
  }

  @ParameterizedTest
  @ValueSource(strings = {"jvm-reference", "ort"})
  void reportsThroughputLatencyAndTheGraphsFlops(String backend) throws Exception {
    Path model = smallModel();
    Run r = shortBench(model, backend, "--batch", "2");
    assertEquals(0, r.exit(), r.err());
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertEquals(backend, o.get("backend").asText());
    assertEquals(2, o.get("batch").asInt());
    assertTrue(o.get("runs").asInt() >= 5, r.out());
    double p50 = o.get("latency_p50_ms").asDouble();
    double p90 = o.get("latency_p90_ms").asDouble();
    assertTrue(p50 > 0 && p90 >= p50, r.out());
    assertTrue(o.get("images_per_second").asDouble() > 0, r.out());
    long flops = FlopCounter.count(Model.load(model).specialize(2));
    assertEquals(flops / 1e9, o.get("gflop_per_run").asDouble(), 1e-3);
  }

  @Test
  void badArgumentsAreOneLineUsageErrors() throws Exception {
    Path model = smallModel();
    Run unknown = run("bench", "--model", model.toString(), "--backend", "gpu9");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("unknown backend 'gpu9'"), unknown.err());
    Run zero = run("bench", "--model", model.toString(), "--seconds", "0");
    assertEquals(2, zero.exit());
    assertEquals(1, zero.err().lines().count(), zero.err());
    Run missing = run("bench", "--model", dir.resolve("none.onnx").toString());
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("not found"), missing.err());
  }

  @Test
  void profileTimesEveryStepAndSumsThemByOperatorType() throws Exception {
    Path model = smallModel();
    Run r = shortBench(model, "jvm-vector", "--profile", "2");
    assertEquals(0, r.exit(), r.err());
    JsonNode p = new ObjectMapper().readTree(r.out()).get("profile");
    assertTrue(p.get("runs").asInt() >= 5, r.out());
    JsonNode slowest = p.get("slowest_steps");
    assertEquals(2, slowest.size(), r.out());
    assertTrue(
        slowest.get(0).get("ms_per_run").asDouble() >= slowest.get(1).get("ms_per_run").asDouble(),
        r.out());
    // every step of the plan is in exactly one operator-type row, and the rows add up to the total
    double sum = 0;
    int steps = 0;
    java.util.Set<String> types = new java.util.HashSet<>();
    for (JsonNode t : p.get("by_op_type")) {
      sum += t.get("ms_per_run").asDouble();
      steps += t.get("steps").asInt();
      types.add(t.get("op_type").asText());
    }
    assertEquals(p.get("steps_ms_per_run").asDouble(), sum, 0.01, r.out());
    assertTrue(types.contains("Gemm"), r.out());
    assertTrue(types.stream().anyMatch(t -> t.contains("Conv")), r.out());
    assertTrue(steps >= 2, r.out());

    Run text =
        run(
            "bench",
            "--model",
            model.toString(),
            "--seconds",
            "0.1",
            "--threads",
            "1",
            "--profile");
    assertEquals(0, text.exit(), text.err());
    assertTrue(text.out().contains("by operator type:"), text.out());
    assertTrue(text.out().contains("w 4x3x3x3"), text.out());
  }

  @Test
  void profileOfOrtListsTheKernelsOfTheMeasuredRuns() throws Exception {
    Path model = smallModel();
    long tracesBefore = ortTraceDirs();
    Run r = shortBench(model, "ort", "--profile", "3");
    assertEquals(0, r.exit(), r.err());
    JsonNode o = new ObjectMapper().readTree(r.out());
    JsonNode p = o.get("profile");
    // the warm-up's runs are in ORT's trace too; only the measured ones are counted
    assertEquals(o.get("runs").asInt(), p.get("runs").asInt(), r.out());
    JsonNode slowest = p.get("slowest_steps");
    assertTrue(slowest.size() >= 1 && slowest.size() <= 3, r.out());
    boolean conv = false;
    boolean gemm = false;
    for (JsonNode t : p.get("by_op_type")) {
      String type = t.get("op_type").asText();
      if (type.endsWith("Conv")) {
        conv = true;
        assertTrue(t.get("gflops_per_second").asDouble() > 0, r.out());
      }
      gemm |= type.equals("Gemm");
    }
    assertTrue(conv && gemm, r.out());
    assertEquals(tracesBefore, ortTraceDirs(), "the trace is deleted");
  }

  /** A short one-thread benchmark printing JSON, with {@code extra} arguments. */
  private static Run shortBench(Path model, String backend, String... extra) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "bench",
                "--model",
                model.toString(),
                "--backend",
                backend,
                "--seconds",
                "0.2",
                "--threads",
                "1",
                "--json"));
    args.addAll(java.util.List.of(extra));
    return run(args.toArray(String[]::new));
  }

  private static long ortTraceDirs() throws Exception {
    try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("framegate-ort-profile"))
          .count();
    }
  }

  @Test
  void percentileIsTheNearestRank() {
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, BenchCommand.percentile(sorted, 50));
    assertEquals(9, BenchCommand.percentile(sorted, 90));
    assertEquals(1, BenchCommand.percentile(new double[] {1}, 90));
  }
}
