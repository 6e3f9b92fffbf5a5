package io.framegate.tests.conformance;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.tests.conformance.ConformanceReport.Outcome;
import io.framegate.tests.conformance.ConformanceReport.Status;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks the harness itself, not the engine: every case with FLOAT/INT64 inputs and outputs is run
 * on ONNX Runtime, and its outputs must match {@code output_K.pb} through the harness's own decoder
 * ({@link TensorProtos}) and comparison ({@link AllClose}). Every test-data encoding in the corpus
 * passes through the decoder this way. Models ONNX Runtime refuses to load (operator sets older
 * than it implements, unsupported layouts) are skipped, as are the few cases where it is known to
 * compute something other than the ONNX reference.
 */
class OrtConformanceIT {
  private static final ConformanceReport REPORT = new ConformanceReport("ORT-CROSSCHECK");

  /** Cases where ONNX Runtime's result differs from the reference output, with why. */
  private static final Map<String, String> ORT_DIFFERS =
      Map.ofEntries(
          Map.entry("node/test_bernoulli_seed", "ORT draws from another random generator"),
          Map.entry("node/test_bernoulli_seed_expanded", "ORT draws from another random generator"),
          Map.entry("node/test_dft", "ORT's FFT leaves ~1e-4 where the reference has exact 0"),
          Map.entry("node/test_dft_axis", "ORT's FFT leaves ~1e-5 where the reference has exact 0"),
          Map.entry(
              "node/test_dft_inverse", "ORT's FFT leaves ~1e-5 where the reference has exact 0"),
          Map.entry("node/test_stft", "ORT's FFT leaves ~1e-6 where the reference has exact 0"),
          Map.entry(
              "node/test_stft_with_window",
              "ORT's FFT leaves ~1e-6 where the reference has exact 0"),
          Map.entry(
              "node/test_maxunpool_export_with_output_shape",
              "ORT places values differently when output_shape is given"),
          Map.entry(
              "node/test_resize_downsample_scales_cubic_align_corners",
              "ORT samples align_corners downscaling differently"),
          Map.entry(
              "node/test_resize_downsample_scales_linear_align_corners",
              "ORT samples align_corners downscaling differently"));

  @TestFactory
  Stream<DynamicTest> casesOnOnnxRuntime() {
    String dir = System.getProperty("onnx.testdata.dir");
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException(
          "set -Donnx.testdata.dir to the ONNX backend test data (the folder holding node/)");
    }
    return ConformanceCase.discover(Path.of(dir)).stream()
        .map(c -> DynamicTest.dynamicTest(c.id(), () -> check(c)));
  }

  @AfterAll
  static void summarize() throws IOException {
    REPORT.write(Path.of("target", "ort-conformance-summary.txt"));
  }

  private static void check(ConformanceCase c) throws OrtException {
    // any operator: ONNX Runtime decides; the element types are what the decoder reads
    Claim claim = Claim.of(c.model(), op -> true);
    if (!claim.claimed()) {
      skip(c, claim, claim.reason());
    }
    String differs = ORT_DIFFERS.get(c.id());
    if (differs != null) {
      skip(c, claim, "known ONNX Runtime difference: " + differs);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try {
      session = env.createSession(c.model().toString());
    } catch (OrtException e) {
      skip(c, claim, "ONNX Runtime cannot load it: " + firstLine(e.getMessage()));
      return;
    }
    try (session) {
      for (ConformanceCase.DataSet set : c.dataSets()) {
        String mismatch = run(env, session, claim, set);
        if (mismatch != null) {
          REPORT.add(new Outcome(c.id(), claim.opTypes(), Status.FAILED, mismatch));
          throw new AssertionError(c.id() + " " + set.name() + ": " + mismatch);
        }
      }
    } catch (OrtException | RuntimeException e) {
      REPORT.add(new Outcome(c.id(), claim.opTypes(), Status.FAILED, e.toString()));
      throw e;
    }
    REPORT.add(new Outcome(c.id(), claim.opTypes(), Status.PASSED, null));
  }

  private static String run(
      OrtEnvironment env, OrtSession session, Claim claim, ConformanceCase.DataSet set)
      throws OrtException {
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try {
      for (int k = 0; k < set.inputs().size(); k++) {
        Tensor t = TensorProtos.decode(TensorProtos.read(set.inputs().get(k)));
        long[] shape = new long[t.rank()];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = t.dim(d);
        }
        inputs.put(
            claim.inputs().get(k).name(),
            t.type() == DataType.INT64
                ? OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), shape)
                : OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        for (int k = 0; k < set.outputs().size(); k++) {
          String name = claim.outputs().get(k).name();
          Tensor expected = TensorProtos.decode(TensorProtos.read(set.outputs().get(k)));
          Tensor actual = toTensor((OnnxTensor) result.get(name).orElseThrow());
          String mismatch = AllClose.ONNX.firstMismatch(actual, expected);
          if (mismatch != null) {
            return "output " + k + " '" + name + "' " + mismatch;
          }
        }
      }
      return null;
    } finally {
      inputs.values().forEach(OnnxValue::close);
    }
  }

  private static Tensor toTensor(OnnxTensor t) {
    long[] dims = t.getInfo().getShape();
    int[] shape = new int[dims.length];
    for (int d = 0; d < dims.length; d++) {
      shape[d] = Math.toIntExact(dims[d]);
    }
    return switch (t.getInfo().type) {
      case FLOAT -> {
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        yield Tensor.of(v, shape);
      }
      case INT64 -> {
        LongBuffer b = t.getLongBuffer();
        long[] v = new long[b.remaining()];
        b.get(v);
        yield Tensor.ofLongs(v, shape);
      }
      default ->
          throw new IllegalStateException("ONNX Runtime returned " + t.getInfo().type + " output");
    };
  }

  private static void skip(ConformanceCase c, Claim claim, String reason) {
    REPORT.add(new Outcome(c.id(), claim.opTypes(), Status.NOT_CLAIMED, reason));
    Assumptions.abort(reason);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
