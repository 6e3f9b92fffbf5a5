package io.framegate.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every seed architecture on ONNX Runtime and on framegate's reference backend with the same
 * seeded input and checks that each output agrees to 1e-4 of its largest magnitude.
 */
class ArchitecturesIT {
  private static final double RELATIVE_TOLERANCE = 1e-4;
  private static final int[] BATCHES = {1, 3};

  private static OrtEnvironment env;

  // The large models are hundreds of MB: keep only the one whose cases are running.
  private static String cachedName;
  private static byte[] cachedBytes;

  @BeforeAll
  static void startOrt() {
    env = OrtEnvironment.getEnvironment();
  }

  @AfterAll
  static void dropCache() {
    cachedName = null;
    cachedBytes = null;
  }

  static Stream<Arguments> cases() {
    return Architectures.all().stream()
        .flatMap(a -> Arrays.stream(BATCHES).mapToObj(b -> Arguments.of(a, b)));
  }

  @ParameterizedTest(name = "{0} batch={1}")
  @MethodSource("cases")
  void matchesOnnxRuntime(Architecture arch, int batch) throws OrtException {
    byte[] bytes = bytesOf(arch);
    int[] shape = new int[arch.inputShape().length + 1];
    shape[0] = batch;
    System.arraycopy(arch.inputShape(), 0, shape, 1, arch.inputShape().length);
    float[] input = randomInput(shape, arch.name().hashCode() * 31L + batch);

    OrtRun ort = runOrt(bytes, input, shape);
    Map<String, Result> expected = ort.outputs();
    long ortNanos = ort.runNanos();

    Model model = Model.load(bytes, arch.name());
    Map<String, Tensor> actual;
    long fgNanos;
    try (ExecutionPlan plan = model.plan(new ReferenceBackend(), batch)) {
      long t1 = System.nanoTime();
      actual = plan.run(Map.of(Architectures.INPUT, Tensor.of(input.clone(), shape)));
      fgNanos = System.nanoTime() - t1;
    }

    assertEquals(expected.keySet(), actual.keySet(), "output names");
    for (Map.Entry<String, Result> e : expected.entrySet()) {
      Result want = e.getValue();
      Tensor got = actual.get(e.getKey());
      assertNotNull(got, e.getKey());
      assertArrayEquals(want.shape(), got.shape(), "shape of " + e.getKey());
      float[] g = got.floats();
      double maxAbsOut = 0;
      double maxAbsDiff = 0;
      for (int i = 0; i < want.data().length; i++) {
        maxAbsOut = Math.max(maxAbsOut, Math.abs(want.data()[i]));
        // Math.max keeps a NaN, so a NaN anywhere fails the comparison below.
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs((double) g[i] - want.data()[i]));
      }
      double ratio = maxAbsDiff / maxAbsOut;
      System.out.printf(
          Locale.ROOT,
          "ARCH %s batch=%d maxAbsDiff=%.3e maxAbsOut=%.3e ratio=%.3e framegate_ms=%.1f"
              + " ort_ms=%.1f%n",
          arch.name(),
          batch,
          maxAbsDiff,
          maxAbsOut,
          ratio,
          fgNanos / 1e6,
          ortNanos / 1e6);
      assertTrue(
          Double.isFinite(maxAbsOut) && maxAbsOut > 0,
          "ONNX Runtime output " + e.getKey() + " is degenerate: max |out| = " + maxAbsOut);
      assertTrue(
          maxAbsDiff <= RELATIVE_TOLERANCE * maxAbsOut,
          arch.name()
              + " batch "
              + batch
              + " output "
              + e.getKey()
              + ": max |framegate − ORT| = "
              + maxAbsDiff
              + " exceeds "
              + RELATIVE_TOLERANCE
              + " × "
              + maxAbsOut);
    }
  }

  private record Result(int[] shape, float[] data) {}

  private record OrtRun(Map<String, Result> outputs, long runNanos) {}

  /** Runs the model on ONNX Runtime with two intra-op threads; times session run only. */
  private static OrtRun runOrt(byte[] bytes, float[] input, int[] shape) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = env.createSession(bytes, options);
          OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), toLongs(shape))) {
        long t0 = System.nanoTime();
        try (OrtSession.Result result = session.run(Map.of(Architectures.INPUT, in))) {
          long runNanos = System.nanoTime() - t0;
          Map<String, Result> out = new LinkedHashMap<>();
          for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
            OnnxTensor t = (OnnxTensor) e.getValue();
            FloatBuffer fb = t.getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            long[] dims = t.getInfo().getShape();
            int[] s = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
              s[i] = Math.toIntExact(dims[i]);
            }
            out.put(e.getKey(), new Result(s, data));
          }
          return new OrtRun(out, runNanos);
        }
      }
    }
  }

  private static synchronized byte[] bytesOf(Architecture arch) {
    if (!arch.name().equals(cachedName)) {
      cachedBytes = null;
      cachedBytes = arch.bytes();
      cachedName = arch.name();
    }
    return cachedBytes;
  }

  private static float[] randomInput(int[] shape, long seed) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    Random random = new Random(seed);
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = 2f * random.nextFloat() - 1f;
    }
    return data;
  }

  private static long[] toLongs(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }
}
