package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole architectures on jvm-vector against the reference backend. */
class VectorBackendTest {
  private static final double RELATIVE_TOLERANCE = 1e-4;

  static Stream<Arguments> cases() {
    // VGG-16 and AlexNet take too long on the reference backend for a unit test; the tests
    // module runs them
    return Stream.concat(
        Architectures.all().stream()
            .filter(a -> !a.name().equals("vgg16") && !a.name().equals("alexnet"))
            .flatMap(a -> Stream.of(Arguments.of(a, 1), Arguments.of(a, 3))),
        Stream.of(Arguments.of(Architectures.inceptionV3StyleArchitecture(), 1)));
  }

  @ParameterizedTest(name = "{0} batch={1}")
  @MethodSource("cases")
  void agreesWithTheReferenceBackend(Architecture arch, int batch) {
    Graph g = Model.load(arch.bytes(), arch.name()).specialize(batch);
    Tensor input = randomInput(g, arch.name().hashCode() * 31L + batch);
    Map<String, Tensor> feed = Map.of(Architectures.INPUT, input);
    Map<String, Tensor> want;
    try (ExecutionPlan ref = new ReferenceBackend(2).compile(g)) {
      want = ref.run(feed);
    }
    try (ExecutionPlan fast = new VectorBackend(2).compile(g)) {
      Map<String, Tensor> got = fast.run(feed);
      assertEquals(want.keySet(), got.keySet());
      for (String name : want.keySet()) {
        assertClose(want.get(name), got.get(name), arch.name() + " batch " + batch + " " + name);
      }
      // a second run on reused buffers gives the same answer
      Map<String, Tensor> again = fast.run(feed);
      assertArrayEquals(
          got.get(Architectures.OUTPUT).floats(), again.get(Architectures.OUTPUT).floats());
    }
  }

  @Test
  void withThreadsSetsTheThreadsOfItsPlans() {
    Graph g = Model.load(Architectures.lenet5(), "lenet5").specialize(1);
    for (int threads : new int[] {1, 3}) {
      Backend backend = new VectorBackend(2).withThreads(threads);
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      try (ExecutionPlan plan = backend.compile(g)) {
        long started =
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().startsWith("framegate-vec"))
                .count();
        // the caller is one of the threads: a plan starts the others
        assertEquals(threads - 1, started, threads + " threads");
      }
    }
  }

  @Test
  void isFoundByName() {
    assertEquals(VectorBackend.NAME, Backends.byName("jvm-vector").name());
  }

  /**
   * Plain-layout Concat along channels, rows and columns, with runs longer than one copy piece:
   * every output element is the element of the input whose slot holds it, worked out here by index.
   */
  @ParameterizedTest(name = "axis={0} batch={1}")
  @MethodSource("concatCases")
  void concatPutsEveryInputInItsSlot(int axis, int batch) {
    // per-sample shapes [C, H, W]; the joined dimension differs, and one input is computed
    int[][] shapes =
        switch (axis) {
          case 1 -> new int[][] {{2, 40, 60}, {3, 40, 60}, {1, 40, 60}};
          case 2 -> new int[][] {{2, 30, 70}, {2, 50, 70}, {2, 1, 70}};
          default -> new int[][] {{2, 30, 70}, {2, 30, 20}, {2, 30, 3}};
        };
    OnnxModelBuilder b = new OnnxModelBuilder("concat", 3);
    String[] xs = new String[shapes.length];
    for (int i = 0; i < shapes.length; i++) {
      xs[i] = b.input("x" + i, shapes[i]);
    }
    String[] joined = xs.clone();
    joined[1] = b.relu(xs[1]);
    Graph g = Model.load(b.output(b.concat(axis, joined)).toBytes(), "concat").specialize(batch);
    Map<String, Tensor> feed = new HashMap<>();
    Random r = new Random(axis * 7L + batch);
    for (int i = 0; i < xs.length; i++) {
      int[] shape = g.value(xs[i]).shape();
      float[] x = new float[Shapes.size(shape)];
      for (int k = 0; k < x.length; k++) {
        x[k] = 2f * r.nextFloat() - 1f;
      }
      feed.put(xs[i], Tensor.of(x, shape));
    }
    Tensor got;
    try (ExecutionPlan fast = new VectorBackend(2).compile(g)) {
      got = fast.run(feed).values().iterator().next();
    }
    int d = axis < 0 ? axis + 4 : axis;
    int[] y = got.shape();
    int[] index = new int[4];
    for (int k = 0; k < got.floats().length; k++) {
      for (int a = 3, rest = k; a >= 0; a--) {
        index[a] = rest % y[a];
        rest /= y[a];
      }
      int i = 0;
      int at = index[d];
      while (at >= g.value(xs[i]).shape()[d]) {
        at -= g.value(xs[i]).shape()[d];
        i++;
      }
      int[] s = g.value(xs[i]).shape();
      int[] source = index.clone();
      source[d] = at;
      float want =
          feed.get(xs[i])
              .floats()[((source[0] * s[1] + source[1]) * s[2] + source[2]) * s[3] + source[3]];
      if (i == 1) {
        want = Math.max(0f, want);
      }
      assertEquals(want, got.floats()[k], "output " + Arrays.toString(index));
    }
  }

  static Stream<Arguments> concatCases() {
    return Stream.of(1, 2, -1).flatMap(a -> Stream.of(Arguments.of(a, 1), Arguments.of(a, 3)));
  }

  static void assertClose(Tensor want, Tensor got, String what) {
    assertArrayEquals(want.shape(), got.shape(), what + " shape");
    float[] w = want.floats();
    float[] g = got.floats();
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < w.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(w[i]));
      maxDiff = Math.max(maxDiff, Math.abs((double) g[i] - w[i]));
    }
    assertTrue(maxAbs > 0, what + ": reference output is all zeros");
    assertTrue(
        maxDiff <= RELATIVE_TOLERANCE * maxAbs,
        what + ": max |fast − reference| = " + maxDiff + " vs max |y| = " + maxAbs);
  }

  static Tensor randomInput(Graph g, long seed) {
    int[] shape = g.inputs().get(0).shape();
    float[] x = new float[Shapes.size(shape)];
    Random r = new Random(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = 2f * r.nextFloat() - 1f;
    }
    return Tensor.of(x, shape);
  }
}
