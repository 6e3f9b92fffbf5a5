package io.framegate.tests.conformance;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX backend test cases on every device backend this build finds (TornadoVM's, when the build
 * had TORNADOVM_HOME): each claimed case must match ONNX's expected outputs with the same
 * tolerances as on the JVM, or be refused by the device plan as unsupported there, which the
 * summary counts and lists apart. Without device backends the suite is skipped.
 */
class DeviceConformanceIT {
  private static final ConformanceReport REPORT = new ConformanceReport("DEVICE_CONFORMANCE");

  @TestFactory
  Stream<DynamicTest> onnxBackendCasesOnDevices() {
    Backends.Discovery found = Backends.discover();
    List<Backend> devices = found.devices();
    Assumptions.assumeFalse(devices.isEmpty(), () -> "no device backend: " + found.notes());
    return new ConformanceRunner(REPORT, devices, true).tests();
  }

  @AfterAll
  static void summarize() throws IOException {
    if (!REPORT.outcomes().isEmpty()) {
      REPORT.write(Path.of("target", "device-conformance-summary.txt"));
    }
  }
}
