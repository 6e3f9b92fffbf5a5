package io.framegate.tests.conformance;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import io.framegate.tests.conformance.ConformanceReport.Outcome;
import io.framegate.tests.conformance.ConformanceReport.Status;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

/**
 * Runs the official ONNX backend test cases (node, pytorch-converted, pytorch-operator) on a list
 * of backends and records each outcome. A case the engine claims must match ONNX's expected outputs
 * on every backend; a case it does not claim (an operator, element type or attribute it does not
 * implement) is skipped with the reason. With {@code devices} set, a backend refusing a claimed
 * case as unsupported on a device is recorded as such (and skipped), not passed.
 */
final class ConformanceRunner {
  private final ConformanceReport report;
  private final List<Backend> backends;
  private final boolean devices;

  ConformanceRunner(ConformanceReport report, List<Backend> backends, boolean devices) {
    this.report = report;
    this.backends = List.copyOf(backends);
    this.devices = devices;
  }

  /**
   * One dynamic test per case found under the system property {@code onnx.testdata.dir}, limited to
   * the case ids matching the regular expression {@code conformance.filter} when it is set.
   */
  Stream<DynamicTest> tests() {
    String dir = System.getProperty("onnx.testdata.dir");
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException(
          "set -Donnx.testdata.dir to the ONNX backend test data (the folder holding node/)");
    }
    String filter = System.getProperty("conformance.filter", "");
    Pattern only = filter.isBlank() ? null : Pattern.compile(filter);
    return ConformanceCase.discover(Path.of(dir)).stream()
        .filter(c -> only == null || only.matcher(c.id()).find())
        .map(c -> DynamicTest.dynamicTest(c.id(), () -> check(c)));
  }

  void check(ConformanceCase c) {
    Claim claim;
    try {
      claim = Claim.of(c.model(), Operators.supported()::contains);
    } catch (RuntimeException e) {
      throw fail(c, Set.of(), "cannot read the model: " + e, e);
    }
    if (!claim.claimed()) {
      throw notClaimed(c, claim, claim.reason());
    }
    Model model;
    try {
      model = Model.load(c.model());
    } catch (InvalidModelException e) {
      throw unsupportedOrFail(c, claim, e);
    } catch (RuntimeException e) {
      throw fail(c, claim.opTypes(), "load: " + e, e);
    }
    for (ConformanceCase.DataSet set : c.dataSets()) {
      String mismatch = run(c, claim, model, set);
      if (mismatch != null) {
        throw fail(c, claim.opTypes(), set.name() + ": " + mismatch, null);
      }
    }
    report.add(new Outcome(c.id(), claim.opTypes(), Status.PASSED, null));
  }

  /** Runs one data set; null when every output matches, else the first mismatch. */
  String run(ConformanceCase c, Claim claim, Model model, ConformanceCase.DataSet set) {
    if (set.inputs().size() != claim.inputs().size()
        || set.outputs().size() != claim.outputs().size()) {
      throw fail(
          c,
          claim.opTypes(),
          set.name()
              + " has "
              + set.inputs().size()
              + " inputs and "
              + set.outputs().size()
              + " outputs, the graph declares "
              + claim.inputs().size()
              + " and "
              + claim.outputs().size(),
          null);
    }
    Map<String, int[]> shapes = new LinkedHashMap<>();
    Map<String, Tensor> floats = new LinkedHashMap<>();
    Map<String, Tensor> frozen = new LinkedHashMap<>();
    for (int k = 0; k < set.inputs().size(); k++) {
      String name = claim.inputs().get(k).name();
      Tensor t = decode(c, claim, set.inputs().get(k));
      if (t.type() == DataType.INT64) {
        // shape-like inputs: the engine folds them into constants when it specialises
        frozen.put(name, t);
      } else {
        shapes.put(name, t.shape());
        floats.put(name, t);
      }
    }
    Graph graph;
    try {
      graph = model.specialize(shapes, frozen);
    } catch (InvalidModelException e) {
      throw unsupportedOrFail(c, claim, e);
    } catch (RuntimeException e) {
      throw fail(c, claim.opTypes(), "specialize: " + e, e);
    }
    for (Backend backend : backends) {
      Map<String, Tensor> actual;
      try (ExecutionPlan plan = backend.compile(graph)) {
        actual = plan.run(floats);
      } catch (InvalidModelException e) {
        if (devices && refusedByDevice(e)) {
          report.add(
              new Outcome(
                  c.id(),
                  claim.opTypes(),
                  Status.UNSUPPORTED_ON_DEVICE,
                  firstLine(e.getMessage())));
          throw new TestAbortedException(backend.name() + " refuses it: " + e.getMessage());
        }
        throw fail(c, claim.opTypes(), backend.name() + " compile/run: " + e, e);
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        throw fail(c, claim.opTypes(), backend.name() + " compile/run: " + e, e);
      }
      for (int k = 0; k < set.outputs().size(); k++) {
        String name = claim.outputs().get(k).name();
        Tensor expected = decode(c, claim, set.outputs().get(k));
        String mismatch = AllClose.ONNX.firstMismatch(actual.get(name), expected);
        if (mismatch != null) {
          return backend.name() + ": output " + k + " '" + name + "' " + mismatch;
        }
      }
    }
    return null;
  }

  Tensor decode(ConformanceCase c, Claim claim, Path file) {
    try {
      return TensorProtos.decode(TensorProtos.read(file));
    } catch (RuntimeException e) {
      throw fail(c, claim.opTypes(), "test data " + file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** The engine declining a model it cannot run is a skip; any other model error is a failure. */
  RuntimeException unsupportedOrFail(ConformanceCase c, Claim claim, InvalidModelException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.startsWith("unsupported")) {
      return notClaimed(c, claim, message);
    }
    throw fail(c, claim.opTypes(), e.toString(), e);
  }

  RuntimeException notClaimed(ConformanceCase c, Claim claim, String reason) {
    report.add(new Outcome(c.id(), claim.opTypes(), Status.NOT_CLAIMED, reason));
    return Assumptions.abort("not claimed: " + reason);
  }

  AssertionError fail(ConformanceCase c, Set<String> ops, String detail, Throwable cause) {
    report.add(new Outcome(c.id(), ops, Status.FAILED, detail));
    return new AssertionError(c.id() + ": " + detail, cause);
  }

  /** A device plan's own refusal, as opposed to a model error every backend would raise. */
  private static boolean refusedByDevice(InvalidModelException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    return m.startsWith("unsupported") || m.contains("use a JVM backend");
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
