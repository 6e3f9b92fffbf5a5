package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.JvmPlan;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import io.framegate.accelerator.testing.Architectures.Architecture;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A warm plan of the fast backend allocates nothing but its outputs per run. The build runs this
 * class in a JVM of its own, as a gateway runs its models. What it guards against: a vector that
 * crosses a call the JIT leaves uninlined is boxed on the heap, and the Vector API's gather falls
 * back to allocating Java code when the JIT cannot inline all of it; inside a large kernel either
 * can happen or not depending on the profile at the time the kernel is compiled, so a failure here
 * may show only in some runs.
 */
class SteadyStateAllocationTest {
  /**
   * Every generated architecture and the Inception-style one: between them every kind of step the
   * backend plans (direct, Winograd and im2col convolutions, depthwise, pooling plain and blocked,
   * concatenation, dense).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("allocationCases")
  void steadyStateRunsAllocateOnlyTheirOutputs(Architecture arch) {
    Graph g = Model.load(arch.bytes(), arch.name()).specialize(1);
    String input = g.inputs().get(0).name();
    Map<String, Tensor> feed = Map.of(input, VectorBackendTest.randomInput(g, 3));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (JvmPlan plan = (JvmPlan) new VectorBackend(1).compile(g)) {
      long used = Long.MAX_VALUE;
      long outputBytes = 4L * Shapes.size(g.outputs().get(0).shape());
      // until the vector kernels are compiled by C2, the interpreter and C1 box vectors; a method
      // that runs once or a few times per inference (a layer's short last tile) reaches C2 only
      // after thousands of calls: the runs go on until one allocates nothing but its outputs, for
      // at most 5000 runs or a minute
      long start = System.nanoTime();
      for (int i = 0;
          i < 5000 && used >= outputBytes + 4096 && System.nanoTime() - start < 60_000_000_000L;
          i++) {
        long before = threads.getCurrentThreadAllocatedBytes();
        plan.run(feed);
        used = threads.getCurrentThreadAllocatedBytes() - before;
      }
      assertTrue(used < outputBytes + 4096, "one warm run allocated " + used + " bytes");
    }
  }

  static Stream<Architecture> allocationCases() {
    return Stream.concat(
        Architectures.all().stream(), Stream.of(Architectures.inceptionV3StyleArchitecture()));
  }
}
