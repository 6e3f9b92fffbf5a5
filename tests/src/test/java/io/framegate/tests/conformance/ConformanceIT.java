package io.framegate.tests.conformance;

import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.vector.VectorBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX backend test cases on the JVM: every claimed case must pass on the reference and on the
 * fast CPU backend (see {@link ConformanceRunner}).
 */
class ConformanceIT {
  private static final ConformanceReport REPORT = new ConformanceReport("CONFORMANCE");

  @TestFactory
  Stream<DynamicTest> onnxBackendCases() {
    return new ConformanceRunner(
            REPORT, List.of(new ReferenceBackend(), new VectorBackend()), false)
        .tests();
  }

  @AfterAll
  static void summarize() throws IOException {
    REPORT.write(Path.of("target", "conformance-summary.txt"));
  }
}
