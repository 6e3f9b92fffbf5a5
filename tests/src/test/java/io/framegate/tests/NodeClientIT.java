package io.framegate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.server.GatewayServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire compatibility with a client we did not write: tests/node/kserve-client.js, built only from
 * the stock Node packages {@code @grpc/grpc-js} and {@code @grpc/proto-loader} and our .proto,
 * calls a real gateway over TCP (ServerLive, ModelMetadata, ModelInfer with raw FP32,
 * ModelStreamInfer); its outputs must equal the engine's own for the same input.
 */
class NodeClientIT {
  private static final String MODEL = "tiny";
  private static final String INPUT = "pixels";
  private static final String OUTPUT = "logits";
  private static final int N = 2;
  private static final int C = 3;
  private static final int H = 11;
  private static final int W = 13;
  private static final int CLASSES = 7;
  private static final double TOL = 1e-5;

  @TempDir Path tmp;

  private final Path nodeDir =
      Path.of(System.getProperty("framegate.node.dir", "node")).toAbsolutePath();
  private Model model;
  private ModelRepository repository;
  private GatewayServer server;

  @BeforeEach
  void startGateway() throws IOException {
    OnnxModelBuilder b = new OnnxModelBuilder(MODEL, 13, 17);
    String x = b.input(INPUT, C, H, W);
    String y = b.gemm(b.flatten(b.relu(b.conv(x, 4, 3, 2, 1))), CLASSES);
    byte[] onnx = b.output(y, OUTPUT).toBytes();
    model = Model.load(onnx, "tiny.onnx");

    // A one-model repository on disk, as 'framegate serve --repository' reads it.
    Path folder = Files.createDirectories(tmp.resolve("repository").resolve(MODEL));
    Files.write(folder.resolve(ModelRepository.MODEL_FILE), onnx);
    Files.writeString(folder.resolve("config.yaml"), "max_batch: 4\nmax_delay_ms: 2\n");
    GatewayMetrics metrics =
        new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    repository = ModelRepository.load(tmp.resolve("repository"), null, metrics);
    server =
        GatewayServer.start(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            metrics,
            "test");
    server.serve(repository);
  }

  @AfterEach
  void stopGateway() {
    if (server != null) {
      server.shutdown(Duration.ofSeconds(10)).join();
    }
    if (repository != null) {
      repository.close();
    }
  }

  @Test
  void nodeGrpcClientGetsTheEnginesOutputs() throws Exception {
    float[] input = new float[N * C * H * W];
    Random r = new Random(23);
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) r.nextGaussian();
    }
    ByteBuffer raw = ByteBuffer.allocate(4 * input.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : input) {
      raw.putFloat(v);
    }
    Path data = tmp.resolve("input.f32");
    Files.write(data, raw.array());

    float[] expected;
    try (ExecutionPlan plan = model.plan(new ReferenceBackend(1), N)) {
      expected = plan.run(Map.of(INPUT, Tensor.of(input.clone(), N, C, H, W))).get(OUTPUT).floats();
    }
    assertEquals(N * CLASSES, expected.length);

    installClientPackages();
    String json =
        run(
            "node",
            "kserve-client.js",
            "127.0.0.1:" + server.port(),
            "--model",
            MODEL,
            "--input",
            INPUT,
            "--shape",
            N + "," + C + "," + H + "," + W,
            "--data",
            data.toString(),
            "--max-values",
            "-1");
    JsonNode summary = new ObjectMapper().readTree(json);

    assertTrue(summary.path("live").asBoolean(), "ServerLive: " + summary);
    JsonNode md = summary.path("metadata");
    assertEquals(MODEL, md.path("name").asText());
    assertEquals(INPUT, md.path("inputs").path(0).path("name").asText());
    assertEquals("FP32", md.path("inputs").path(0).path("datatype").asText());
    assertEquals(
        List.of(-1L, (long) C, (long) H, (long) W), longs(md.path("inputs").path(0).path("shape")));
    assertEquals(OUTPUT, md.path("outputs").path(0).path("name").asText());

    assertEquals("unary-1", summary.path("infer").path("id").asText());
    assertOutput(expected, summary.path("infer").path("outputs").path(0), "ModelInfer");

    JsonNode stream = summary.path("stream");
    assertEquals(2, stream.size(), "ModelStreamInfer responses: " + stream);
    for (int i = 0; i < 2; i++) {
      JsonNode s = stream.path(i);
      assertTrue(s.path("error").isMissingNode(), "ModelStreamInfer error: " + s);
      assertEquals("stream-" + (i + 1), s.path("id").asText());
      assertOutput(expected, s.path("outputs").path(0), "ModelStreamInfer " + s.path("id"));
    }
  }

  private static void assertOutput(float[] expected, JsonNode out, String what) {
    assertEquals(OUTPUT, out.path("name").asText(), what + " output name");
    assertEquals("FP32", out.path("datatype").asText(), what + " datatype");
    assertEquals(List.of((long) N, (long) CLASSES), longs(out.path("shape")), what + " shape");
    JsonNode values = out.path("values");
    assertEquals(expected.length, values.size(), what + " value count");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], values.get(i).asDouble(), TOL, what + " [" + i + "]");
    }
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asLong()));
    return out;
  }

  /** {@code npm ci} unless node_modules already matches package-lock.json. */
  private void installClientPackages() throws Exception {
    Path lock = nodeDir.resolve("package-lock.json");
    Path installed = nodeDir.resolve("node_modules/.package-lock.json");
    if (Files.isRegularFile(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    run("npm", "ci", "--no-audit", "--no-fund");
  }

  /** Runs a command in the Node client's folder; its stdout, or a failure with its output. */
  private String run(String... command) throws Exception {
    Path stdout = tmp.resolve("stdout.txt");
    Path stderr = tmp.resolve("stderr.txt");
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .directory(nodeDir.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run '"
              + command[0]
              + "' ("
              + e.getMessage()
              + "): this test needs Node.js and npm on the PATH (scripts/test installs the Debian"
              + " packages nodejs and npm)",
          e);
    }
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish within 5 minutes");
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      fail(
          String.join(" ", command)
              + " exited with "
              + p.exitValue()
              + "\nstdout:\n"
              + out
              + "\nstderr:\n"
              + Files.readString(stderr, StandardCharsets.UTF_8));
    }
    return out;
  }
}
