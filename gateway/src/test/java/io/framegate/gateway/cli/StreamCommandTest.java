package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.gateway.client.FramegateClient;
import io.framegate.gateway.metrics.GatewayMetrics;
import io.framegate.gateway.repository.ModelRepository;
import io.framegate.gateway.server.GatewayServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code framegate stream} against a real (Netty, loopback) gateway serving a repository. */
class StreamCommandTest {
  @TempDir Path dir;
  private GatewayServer server;
  private String target;

  @BeforeEach
  void serve() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("repo/cls"));
    OnnxModelBuilder b = new OnnxModelBuilder("cls", 13, 3);
    String x = b.input("image", 3, 6, 5);
    Files.write(
        folder.resolve("model.onnx"),
        b.output(b.softmax(b.gemm(b.flatten(b.relu(b.conv(x, 2, 3, 1, 1))), 4)), "prob").toBytes());
    Files.writeString(folder.resolve("config.yaml"), "labels: labels.txt\nmax_batch: 4\n");
    Files.writeString(folder.resolve("labels.txt"), "zero\none\ntwo\nthree\n");
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    server =
        GatewayServer.start(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            metrics,
            "test");
    server.serve(ModelRepository.load(dir.resolve("repo"), null, metrics));
    target = "127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.shutdown(Duration.ofSeconds(10)).join();
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FramegateCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  @Test
  void syntheticStreamsPrintLabelledResultsAndASummary() {
    Run r =
        run(
            "stream",
            "--target",
            target,
            "--model",
            "cls",
            "--synthetic",
            "--streams",
            "3",
            "--frames",
            "21",
            "--print-every",
            "10",
            "--top",
            "2");
    assertEquals(0, r.exit(), r.err() + r.out());
    // Every 10th result of each stream: #0, #10, #20.
    for (int s = 0; s < 3; s++) {
      for (int seq : new int[] {0, 10, 20}) {
        assertTrue(r.out().contains("stream-" + s + " #" + seq + ": "), r.out());
      }
    }
    assertTrue(
        Pattern.compile("#0: (zero|one|two|three) [0-9.]+, (zero|one|two|three) ")
            .matcher(r.out())
            .find(),
        r.out());
    Matcher m =
        Pattern.compile("3 streams, (\\d+) results .* errors (\\d+); dropped (\\d+)")
            .matcher(r.out());
    assertTrue(m.find(), r.out());
    assertEquals("63", m.group(1));
    assertEquals("0", m.group(2));
    assertEquals("0", m.group(3));
  }

  @Test
  void imagesAreSentEncodedAndDecodedByTheServer() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    Random rnd = new Random(1);
    for (int i = 0; i < 3; i++) {
      BufferedImage img = new BufferedImage(11, 7, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 7; y++) {
        for (int x = 0; x < 11; x++) {
          img.setRGB(x, y, rnd.nextInt(1 << 24));
        }
      }
      ImageIO.write(img, "png", images.resolve("f" + i + ".png").toFile());
    }
    Run r =
        run(
            "stream",
            "--target",
            target,
            "--model",
            "cls",
            "--images",
            images.toString(),
            "--frames",
            "5",
            "--print-every",
            "1");
    assertEquals(0, r.exit(), r.err() + r.out());
    assertTrue(r.out().contains("1 streams, 5 results"), r.out());
  }

  @Test
  void anUnknownModelIsOneClearLine() {
    Run r = run("stream", "--target", target, "--model", "nope", "--synthetic");
    assertEquals(CliErrors.RUNTIME, r.exit());
    assertTrue(
        r.err().startsWith("framegate: the server answered NOT_FOUND: model 'nope'"), r.err());
  }

  @Test
  void theClientLibraryInfersAnRgbImage() {
    try (FramegateClient client = FramegateClient.connect(target)) {
      byte[] px = new byte[6 * 5 * 3];
      new Random(2).nextBytes(px);
      Map<String, float[]> out = client.inferRgb("cls", "image", px, 5, 6);
      float[] prob = out.get("prob");
      assertEquals(4, prob.length);
      float sum = 0;
      for (float p : prob) {
        sum += p;
      }
      // Softmax output: the probabilities of one image add up to 1.
      assertEquals(1f, sum, 1e-5f);
    }
  }
}
