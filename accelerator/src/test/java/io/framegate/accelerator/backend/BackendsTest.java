package io.framegate.accelerator.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.accelerator.testing.Architectures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendsTest {

  @Test
  void theJvmBackendsAreAlwaysThereAndDeviceProblemsAreNotes() {
    Backends.Discovery d = Backends.discover();
    assertTrue(
        d.jvm().stream().anyMatch(b -> b.name().equals(ReferenceBackend.NAME)),
        "reference backend listed: " + d.jvm());
    // Either devices were found or the discovery says why there are none.
    assertTrue(!d.devices().isEmpty() || !d.notes().isEmpty(), d.toString());
    List<String> names = Backends.available().stream().map(Backend::name).toList();
    assertEquals(d.all().stream().map(Backend::name).toList(), names);
    assertEquals(ReferenceBackend.NAME, Backends.byName(ReferenceBackend.NAME).name());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Backends.byName("tpu"));
    assertTrue(e.getMessage().contains("available: " + ReferenceBackend.NAME), e.getMessage());
  }

  @Test
  void jvmBackendsIgnoreWorkGroupSizes() {
    Backend ref = new ReferenceBackend(1);
    assertEquals(ref, ref.withWorkGroupSizes(Map.of("conv", 64)));
  }

  /** A backend that perturbs one output element, to see the verification notice it. */
  private record Perturbed(double delta) implements Backend {
    @Override
    public String name() {
      return "perturbed";
    }

    @Override
    public ExecutionPlan compile(Graph graph) {
      ExecutionPlan inner = new ReferenceBackend(1).compile(graph);
      return new ExecutionPlan() {
        @Override
        public List<io.framegate.accelerator.graph.ValueInfo> inputs() {
          return inner.inputs();
        }

        @Override
        public List<io.framegate.accelerator.graph.ValueInfo> outputs() {
          return inner.outputs();
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
          Map<String, Tensor> out = inner.run(inputs);
          float[] y = out.values().iterator().next().floats();
          y[y.length / 2] += (float) delta;
          return out;
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    }
  }

  @Test
  void verificationMeasuresTheLargestDifference() {
    Graph g = Model.load(Architectures.lenet5(), "lenet").specialize(2);
    Verification.Report same = Verification.run(g, new ReferenceBackend(1), 3, 1);
    assertTrue(same.agrees());
    assertEquals(0.0, same.maxError());
    assertTrue(same.firstCallNanos() > 0 && same.steadyNanos() > 0);

    Verification.Report off = Verification.run(g, new Perturbed(0.5), 3, 1);
    assertFalse(off.agrees());
    assertEquals(0.5, off.maxError(), 1e-6);
    assertEquals("perturbed", off.backend());
  }
}
