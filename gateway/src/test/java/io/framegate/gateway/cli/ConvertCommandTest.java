package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.gateway.io.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConvertCommandTest {
  private static final int IN = 5;
  private static final int OUT = 3;

  @TempDir Path dir;
  private Path modelJson;
  private final float[] kernel = new float[IN * OUT]; // Keras [in, out]
  private final float[] bias = new float[OUT];

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new FramegateCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** A Sequential Dense(3, softmax) on [null, 5], as tfjs writes model.json and one shard. */
  @BeforeEach
  void writeModel() throws Exception {
    Random r = new Random(77);
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = r.nextFloat() * 2 - 1;
    }
    for (int i = 0; i < OUT; i++) {
      bias[i] = r.nextFloat() - 0.5f;
    }
    String json =
        """
        {"modelTopology": {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Dense", "config": {"name": "fc", "units": 3, "activation": "softmax",
            "use_bias": true, "batch_input_shape": [null, 5], "dtype": "float32"}}]}},
         "weightsManifest": [{"paths": ["weights.bin"], "weights": [
           {"name": "fc/kernel", "shape": [5, 3], "dtype": "float32"},
           {"name": "fc/bias", "shape": [3], "dtype": "float32"}]}]}
        """;
    modelJson = dir.resolve("model.json");
    Files.writeString(modelJson, json);
    ByteBuffer b = ByteBuffer.allocate(4 * (kernel.length + bias.length));
    b.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(kernel).put(bias);
    Files.write(dir.resolve("weights.bin"), b.array());
  }

  @Test
  void convertsWithLabelsAndNormalisationThenInferPrintsLabels() throws Exception {
    Path labels = dir.resolve("labels.txt");
    Files.writeString(labels, "cat\ndog\nbird\n");
    Path onnx = dir.resolve("out/model.onnx");

    Run convert =
        run(
            "convert",
            "--tfjs",
            modelJson.toString(),
            "--out",
            onnx.toString(),
            "--labels",
            labels.toString(),
            "--mean",
            "0.5",
            "--std",
            "0.25,0.5,1");

    assertEquals(0, convert.exit(), convert.err());
    assertTrue(convert.out().contains("fc_input [N, 5]"), convert.out());
    Model model = Model.load(onnx);
    assertEquals("cat\ndog\nbird", model.graph().metadata().get(ConvertCommand.LABELS_KEY));
    assertEquals("0.5", model.graph().metadata().get("framegate.mean"));
    assertEquals("0.25,0.5,1", model.graph().metadata().get("framegate.std"));

    // softmax(x·K + b), computed here
    float[] x = {0.3f, -1.2f, 0.7f, 2.0f, -0.4f};
    double[] z = new double[OUT];
    double sum = 0;
    for (int j = 0; j < OUT; j++) {
      z[j] = bias[j];
      for (int i = 0; i < IN; i++) {
        z[j] += x[i] * kernel[i * OUT + j];
      }
    }
    for (int j = 0; j < OUT; j++) {
      sum += Math.exp(z[j]);
    }
    float[] expected = new float[OUT];
    int best = 0;
    for (int j = 0; j < OUT; j++) {
      expected[j] = (float) (Math.exp(z[j]) / sum);
      best = expected[j] > expected[best] ? j : best;
    }
    try (ExecutionPlan plan = model.plan(new ReferenceBackend(1), 1)) {
      Tensor y = plan.run(Map.of("fc_input", Tensor.of(x, 1, IN))).get("fc");
      assertArrayEquals(expected, y.floats(), 1e-6f);
    }

    Path npy = dir.resolve("x.npy");
    Npy.write(npy, Tensor.of(x, 1, IN));
    Run infer = run("infer", "--model", onnx.toString(), "--input", npy.toString(), "--top", "1");
    assertEquals(0, infer.exit(), infer.err());
    String top =
        infer.out().lines().filter(l -> l.contains(" 1.  index")).findFirst().orElseThrow();
    assertTrue(top.endsWith("  " + new String[] {"cat", "dog", "bird"}[best]), top);
  }

  @Test
  void onnxSourceKeepsTheGraphAndReplacesMetadata() throws Exception {
    Path first = dir.resolve("a.onnx");
    assertEquals(
        0,
        run("convert", "--tfjs", modelJson.toString(), "--out", first.toString(), "--mean", "0.1")
            .exit());
    Path second = dir.resolve("b.onnx");

    Run r = run("convert", "--onnx", first.toString(), "--out", second.toString(), "--mean", "0.2");

    assertEquals(0, r.exit(), r.err());
    Map<String, String> meta = Model.load(second).graph().metadata();
    assertEquals("0.2", meta.get("framegate.mean"));
    assertTrue(meta.containsKey("framegate.converted_from"), meta.toString());
  }

  @Test
  void inputSizeFixesSymbolicHeightAndWidth() throws Exception {
    Path fc = dir.resolve("fc.onnx");
    assertEquals(0, run("convert", "--tfjs", modelJson.toString(), "--out", fc.toString()).exit());
    io.framegate.proto.onnx.ModelProto m =
        io.framegate.proto.onnx.ModelProto.parseFrom(Files.readAllBytes(fc));
    // make the input [N, 3, h, w] with symbolic h and w, as Paddle2ONNX exports do
    io.framegate.proto.onnx.ModelProto.Builder b = m.toBuilder();
    var shape =
        b.getGraphBuilder()
            .getInputBuilder(0)
            .getTypeBuilder()
            .getTensorTypeBuilder()
            .getShapeBuilder();
    shape.clearDim();
    shape.addDimBuilder().setDimParam("N");
    shape.addDimBuilder().setDimValue(3);
    shape.addDimBuilder().setDimParam("h");
    shape.addDimBuilder().setDimParam("w");
    Path symbolic = dir.resolve("symbolic.onnx");
    Files.write(symbolic, b.build().toByteArray());
    Path fixed = dir.resolve("fixed.onnx");

    Run r =
        run(
            "convert",
            "--onnx",
            symbolic.toString(),
            "--out",
            fixed.toString(),
            "--input-size",
            "48x192");

    assertEquals(0, r.exit(), r.err());
    assertArrayEquals(new int[] {-1, 3, 48, 192}, Model.load(fixed).inputs().getFirst().shape());
    Run bad =
        run(
            "convert",
            "--onnx",
            symbolic.toString(),
            "--out",
            fixed.toString(),
            "--input-size",
            "48");
    assertEquals(2, bad.exit(), bad.err());
  }

  @Test
  void badInputsAreOneLineErrors() throws Exception {
    Run missing = run("convert", "--tfjs", dir.resolve("nope.json").toString(), "--out", "x.onnx");
    assertEquals(2, missing.exit());
    assertEquals(1, missing.err().lines().count(), missing.err());
    assertTrue(missing.err().contains("model file not found"), missing.err());

    Run both =
        run(
            "convert",
            "--tfjs",
            modelJson.toString(),
            "--onnx",
            modelJson.toString(),
            "--out",
            "x");
    assertEquals(2, both.exit(), both.err());

    Files.writeString(
        modelJson, Files.readString(modelJson).replace("\"Dense\"", "\"Conv3DTranspose\""));
    Run unsupported =
        run("convert", "--tfjs", modelJson.toString(), "--out", dir.resolve("y.onnx").toString());
    assertEquals(1, unsupported.exit());
    assertEquals(1, unsupported.err().lines().count(), unsupported.err());
    assertTrue(
        unsupported.err().startsWith("framegate: invalid model: ")
            && unsupported.err().contains("Conv3DTranspose")
            && unsupported.err().contains("'fc'"),
        unsupported.err());
    assertTrue(Files.notExists(dir.resolve("y.onnx")));
  }
}
