package io.framegate.tests.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.tests.conformance.ConformanceReport.Outcome;
import io.framegate.tests.conformance.ConformanceReport.Status;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConformanceReportTest {

  @Test
  void countsPerCaseAndPerOpAndGroupsReasons() {
    ConformanceReport r = new ConformanceReport("CONFORMANCE");
    r.add(new Outcome("node/a", Set.of("Relu"), Status.PASSED, null));
    r.add(new Outcome("node/b", Set.of("Relu", "Add"), Status.FAILED, "output 0 'y' at [1]: 2"));
    r.add(new Outcome("node/c", Set.of("Erf"), Status.NOT_CLAIMED, "unsupported op Erf"));
    r.add(new Outcome("node/d", Set.of("Erf"), Status.NOT_CLAIMED, "unsupported op Erf"));
    r.add(new Outcome("node/e", Set.of("Add"), Status.NOT_CLAIMED, "unsupported input dtype BOOL"));

    List<String> lines = r.summary().lines().toList();
    assertEquals("CONFORMANCE passed=1 failed=1 not_claimed=3", lines.get(0));
    assertTrue(
        lines.contains(String.format("  %-28s %5d %5d %5d", "Relu", 1, 1, 0)), lines::toString);
    assertTrue(
        lines.contains(String.format("  %-28s %5d %5d %5d", "Add", 0, 1, 1)), lines::toString);
    assertTrue(lines.contains("  node/b: output 0 'y' at [1]: 2"), lines::toString);
    // most frequent reason first
    int erf = lines.indexOf("      2  unsupported op Erf");
    int bool = lines.indexOf("      1  unsupported input dtype BOOL");
    assertTrue(erf > 0 && bool > erf, lines::toString);
  }

  @Test
  void deviceRefusalsAreCountedAndListedApart() {
    ConformanceReport r = new ConformanceReport("DEVICE_CONFORMANCE");
    r.add(new Outcome("node/a", Set.of("Relu"), Status.PASSED, null));
    r.add(
        new Outcome(
            "node/p", Set.of("Pad"), Status.UNSUPPORTED_ON_DEVICE, "unsupported on a device: Pad"));

    List<String> lines = r.summary().lines().toList();
    assertEquals(
        "DEVICE_CONFORMANCE passed=1 failed=0 not_claimed=0 unsupported_on_device=1", lines.get(0));
    assertTrue(
        lines.contains(String.format("  %-28s %5d %5d %5d %5d", "Pad", 0, 0, 0, 1)),
        lines::toString);
    assertTrue(lines.contains("  node/p: unsupported on a device: Pad"), lines::toString);
  }
}
