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
import io.framegate.accelerator.plan.JvmPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import java.lang.management.ManagementFactory;
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

  /** MobileNetV2 covers depthwise and 1×1 steps, ResNet-18 Winograd and im2col ones. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("allocationCases")
  void steadyStateRunsAllocateOnlyTheirOutputs(Architecture arch) {
    Graph g = Model.load(arch.bytes(), arch.name()).specialize(1);
    String input = g.inputs().get(0).name();
    Map<String, Tensor> feed = Map.of(input, randomInput(g, 3));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (JvmPlan plan = (JvmPlan) new VectorBackend(1).compile(g)) {
      // until the vector kernels are compiled by C2, the interpreter boxes vectors; a kernel that
      // runs once or twice per inference (a layer's short last tile) takes a few hundred runs
      // (MobileNetV2 with 16-float vectors: about 200)
      long used = Long.MAX_VALUE;
      long outputBytes = 4L * Shapes.size(g.outputs().get(0).shape());
      for (int i = 0; i < 1000 && used >= outputBytes + 4096; i++) {
        long before = threads.getCurrentThreadAllocatedBytes();
        plan.run(feed);
        used = threads.getCurrentThreadAllocatedBytes() - before;
      }
      assertTrue(used < outputBytes + 4096, "one warm run allocated " + used + " bytes");
    }
  }

  static Stream<Architecture> allocationCases() {
    return Architectures.all().stream()
        .filter(a -> a.name().equals("mobilenetV2") || a.name().equals("resnet18"));
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

  private static Tensor randomInput(Graph g, long seed) {
    int[] shape = g.inputs().get(0).shape();
    float[] x = new float[Shapes.size(shape)];
    Random r = new Random(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = 2f * r.nextFloat() - 1f;
    }
    return Tensor.of(x, shape);
  }
}
