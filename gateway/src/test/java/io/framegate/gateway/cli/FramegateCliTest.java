package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import io.framegate.gateway.io.Npy;
import io.framegate.proto.onnx.ModelProto;
import io.framegate.proto.onnx.StringStringEntryProto;
import io.framegate.proto.onnx.TensorProto;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FramegateCliTest {
  private static final int FEATURES = 11;
  private static final int CLASSES = 7;
  private static final String OUTPUT = "scores/fc:0";

  @TempDir Path dir;
  private Path gemmModel;
  private float[] weight; // [CLASSES, FEATURES]
  private float[] bias;
  private final Random random = new Random(4242);

  record Run(int exit, String out, String err) {
    /** The contract for every failure: exactly one line, no stack trace. */
    String oneLineError() {
      assertTrue(out.isEmpty(), "nothing on stdout: " + out);
      assertEquals(1, err.lines().count(), "one line on stderr: " + err);
      assertTrue(err.startsWith("framegate: "), err);
      return err.strip();
    }
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FramegateCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** x[N, 11] → Gemm(W[7, 11], b[7], transB) → "scores/fc:0"[N, 7]. */
  @BeforeEach
  void writeGemmModel() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("fc", 7);
    String x = b.input("x", FEATURES);
    b.output(b.gemm(x, CLASSES), OUTPUT);
    ModelProto model = b.toModelProto();
    for (TensorProto t : model.getGraph().getInitializerList()) {
      float[] values = new float[(int) t.getRawData().size() / 4];
      t.getRawData()
          .asReadOnlyByteBuffer()
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
      if (t.getDimsCount() == 2) {
        weight = values;
      } else {
        bias = values;
      }
    }
    assertEquals(CLASSES * FEATURES, weight.length);
    assertEquals(CLASSES, bias.length);
    gemmModel = Files.write(dir.resolve("fc.onnx"), model.toByteArray());
  }

  @Test
  void helpListsTheCommands() {
    Run r = run("--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("infer") && r.out().contains("ops"), r.out());
    assertEquals("", r.err());
    Run infer = run("infer", "--help");
    assertEquals(0, infer.exit());
    assertTrue(infer.out().contains("--model") && infer.out().contains("--backend"), infer.out());
  }

  @Test
  void versionNamesTheProject() {
    Run r = run("--version");
    assertEquals(0, r.exit());
    assertTrue(r.out().startsWith("framegate "), r.out());
  }

  @Test
  void missingModelFileIsAUsageError() {
    Run r = run("infer", "--model", dir.resolve("nope.onnx").toString(), "--input", "x.npy");
    assertEquals(2, r.exit());
    assertTrue(r.oneLineError().contains("model file not found"), r.err());
  }

  @Test
  void missingInputFileAndMissingOptionsAreUsageErrors() throws Exception {
    Run r =
        run("infer", "--model", gemmModel.toString(), "--input", dir.resolve("no.npy").toString());
    assertEquals(2, r.exit());
    assertTrue(r.oneLineError().contains("input file not found"), r.err());
    r = run("infer");
    assertEquals(2, r.exit());
    assertTrue(r.oneLineError().contains("--model"), r.err());
    r = run();
    assertEquals(2, r.exit());
    r.oneLineError();
  }

  @Test
  void badNpyIsARuntimeErrorWithOneLineAndTheTraceOnlyWhenVerbose() throws Exception {
    byte[] whole = Npy.toBytes(Tensor.of(new float[3 * FEATURES], 3, FEATURES));
    Path bad = Files.write(dir.resolve("bad.npy"), Arrays.copyOf(whole, whole.length - 3));
    Run r = run("infer", "--model", gemmModel.toString(), "--input", bad.toString());
    assertEquals(1, r.exit());
    String line = r.oneLineError();
    assertTrue(line.contains("bad.npy") && line.contains("truncated"), line);

    Run verbose =
        run("infer", "--verbose", "--model", gemmModel.toString(), "--input", bad.toString());
    assertEquals(1, verbose.exit());
    assertTrue(verbose.err().lines().count() > 1 && verbose.err().contains("\tat "), verbose.err());
  }

  @Test
  void badBackendNameListsTheValidOnes() throws Exception {
    Path x = npy("x.npy", 1);
    Run r =
        run("infer", "--model", gemmModel.toString(), "--input", x.toString(), "--backend", "gpu9");
    assertEquals(2, r.exit());
    String line = r.oneLineError();
    assertTrue(line.contains("'gpu9'") && line.contains("jvm-reference"), line);
  }

  @Test
  void invalidModelIsARuntimeError() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.onnx"), "this is not protobuf \u0001\u0002");
    Run r = run("infer", "--model", junk.toString(), "--input", npy("x.npy", 1).toString());
    assertEquals(1, r.exit());
    assertTrue(r.oneLineError().startsWith("framegate: invalid model: "), r.err());
  }

  @Test
  void inferTakesTheBatchFromTheNpyAndWritesOutputsAndJson() throws Exception {
    int batch = 3;
    float[] x = randomFloats(batch * FEATURES);
    Path in = dir.resolve("x.npy");
    Npy.write(in, Tensor.of(x, batch, FEATURES));
    Path outDir = dir.resolve("out");
    Run r =
        run(
            "infer",
            "--model",
            gemmModel.toString(),
            "--input",
            in.toString(),
            "--output-dir",
            outDir.toString(),
            "--json");
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());

    float[] expected = gemm(x, batch);
    // the output name holds '/' and ':', which the file name replaces
    Tensor written = Npy.read(outDir.resolve("scores_fc_0.npy"));
    assertArrayEquals(new int[] {batch, CLASSES}, written.shape());
    assertArrayEquals(expected, written.floats(), 1e-4f);

    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals(1, r.out().strip().lines().count(), "one JSON document on one line");
    assertTrue(json.get("millis").isNumber() && json.get("millis").asDouble() >= 0, r.out());
    JsonNode o = json.get("outputs").get(OUTPUT);
    assertEquals("[" + batch + "," + CLASSES + "]", o.get("shape").toString());
    List<Integer> order = naiveOrder(expected);
    JsonNode top = o.get("top");
    assertEquals(5, top.size());
    for (int k = 0; k < 5; k++) {
      assertEquals(order.get(k), top.get(k).get(0).asInt(), "rank " + k);
      assertEquals(expected[order.get(k)], top.get(k).get(1).floatValue(), 1e-4f);
    }
    assertEquals(List.of("outputs", "millis"), fieldNames(json));
  }

  @Test
  void inferPrintsShapeAndTopKAsText() throws Exception {
    float[] x = randomFloats(2 * FEATURES);
    Path in = dir.resolve("two.npy");
    Npy.write(in, Tensor.of(x, 2, FEATURES));
    Run r = run("infer", "--model", gemmModel.toString(), "--input", in.toString(), "--top", "3");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains(OUTPUT + "  shape [2, " + CLASSES + "]"), r.out());
    float[] expected = gemm(x, 2);
    List<Integer> order = naiveOrder(expected);
    List<String> ranked = r.out().lines().filter(l -> l.matches("\\s+\\d+\\.\\s+index.*")).toList();
    assertEquals(3, ranked.size(), r.out());
    for (int k = 0; k < 3; k++) {
      assertTrue(ranked.get(k).contains("index " + order.get(k) + " "), ranked.get(k));
    }
  }

  @Test
  void explicitBatchMustMatchTheNpy() throws Exception {
    Path in = npy("three.npy", 3);
    Run r = run("infer", "--model", gemmModel.toString(), "--input", in.toString(), "--batch", "2");
    assertEquals(1, r.exit());
    assertTrue(r.oneLineError().contains("--batch is 2"), r.err());
    Run ok =
        run(
            "infer",
            "--model",
            gemmModel.toString(),
            "--input",
            in.toString(),
            "--batch",
            "3",
            "--json");
    assertEquals(0, ok.exit(), ok.err());
  }

  @Test
  void shapeAndInputCountMismatchesAreReported() throws Exception {
    Path wrong = dir.resolve("wrong.npy");
    Npy.write(wrong, Tensor.of(new float[2 * 10], 2, 10));
    Run r = run("infer", "--model", gemmModel.toString(), "--input", wrong.toString());
    assertEquals(1, r.exit());
    String line = r.oneLineError();
    assertTrue(line.contains("[2, 10]") && line.contains("'x'") && line.contains("[N, 11]"), line);

    Path x = npy("x.npy", 1);
    r =
        run(
            "infer",
            "--model",
            gemmModel.toString(),
            "--input",
            x.toString(),
            "--input",
            x.toString());
    assertEquals(2, r.exit());
    assertTrue(r.oneLineError().contains("1 input(s) [x] but 2 --input"), r.err());
  }

  @Test
  void inferOnAnImageAppliesTheModelNormalization() throws Exception {
    OnnxModelBuilder b = new OnnxModelBuilder("img", 9);
    String image = b.input("image", 3, 6, 9);
    b.output(b.relu(image), "activated");
    ModelProto model =
        b.toModelProto().toBuilder()
            .addMetadataProps(entry("framegate.mean", "0.5,0.25,0.75"))
            .addMetadataProps(entry("framegate.std", "0.2, 0.4, 0.1"))
            .build();
    Path onnx = Files.write(dir.resolve("img.onnx"), model.toByteArray());
    BufferedImage img = new BufferedImage(9, 6, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(99);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 9; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    Path png = dir.resolve("frame.png");
    ImageIO.write(img, "png", png.toFile());
    Run run =
        run(
            "infer",
            "--model",
            onnx.toString(),
            "--input",
            png.toString(),
            "--output-dir",
            dir.toString());
    assertEquals(0, run.exit(), run.err());
    Tensor out = Npy.read(dir.resolve("activated.npy"));
    assertArrayEquals(new int[] {1, 3, 6, 9}, out.shape());
    double[] mean = {0.5, 0.25, 0.75};
    double[] std = {0.2, 0.4, 0.1};
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 9; x++) {
          int value = img.getRGB(x, y) >> (16 - 8 * c) & 0xff;
          double expected = Math.max(0, (value / 255.0 - mean[c]) / std[c]);
          assertEquals(expected, out.floats()[(c * 6 + y) * 9 + x], 1e-4);
        }
      }
    }

    // a larger image is resized to the model's 6×9
    ImageIO.write(new BufferedImage(31, 17, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    Run resized = run("infer", "--model", onnx.toString(), "--input", png.toString(), "--json");
    assertEquals(0, resized.exit(), resized.err());
    assertEquals(
        "[1,3,6,9]",
        new ObjectMapper()
            .readTree(resized.out())
            .get("outputs")
            .get("activated")
            .get("shape")
            .toString());
  }

  @Test
  void opsListsOperatorsWithAttributes() {
    Run r = run("ops");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("Conv ")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("kernel_shape ")), r.out());
    Run one = run("ops", "relu");
    assertEquals(0, one.exit(), one.err());
    assertTrue(one.out().startsWith("Relu "), one.out());
    assertFalse(one.out().contains("Conv"), one.out());
    Run unknown = run("ops", "FlyToTheMoon");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.oneLineError().contains("'FlyToTheMoon'"), unknown.err());
  }

  private float[] gemm(float[] x, int batch) {
    float[] y = new float[batch * CLASSES];
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < CLASSES; o++) {
        double s = bias[o];
        for (int i = 0; i < FEATURES; i++) {
          s += (double) x[n * FEATURES + i] * weight[o * FEATURES + i];
        }
        y[n * CLASSES + o] = (float) s;
      }
    }
    return y;
  }

  /** Indices sorted by value, largest first. */
  private static List<Integer> naiveOrder(float[] v) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      idx.add(i);
    }
    idx.sort(Comparator.comparingDouble((Integer i) -> v[i]).reversed());
    return idx;
  }

  private Path npy(String name, int batch) throws Exception {
    Path p = dir.resolve(name);
    Npy.write(p, Tensor.of(randomFloats(batch * FEATURES), batch, FEATURES));
    return p;
  }

  private float[] randomFloats(int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) random.nextGaussian();
    }
    return f;
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
