package io.framegate.tests.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Outcomes of the conformance cases and the summary printed after the run. */
final class ConformanceReport {

  enum Status {
    PASSED,
    FAILED,
    NOT_CLAIMED,
    /** Claimed by the engine, refused by a device plan (device suites only). */
    UNSUPPORTED_ON_DEVICE
  }

  /**
   * @param detail the first mismatch or error of a failure, the reason a case is not claimed, null
   *     for a pass
   */
  record Outcome(String caseId, Set<String> opTypes, Status status, String detail) {
    Outcome {
      opTypes = Set.copyOf(opTypes);
    }
  }

  private final String title;
  private final List<Outcome> outcomes = new ArrayList<>();

  /**
   * @param title the summary's first word, e.g. {@code CONFORMANCE}
   */
  ConformanceReport(String title) {
    this.title = title;
  }

  synchronized void add(Outcome outcome) {
    outcomes.add(outcome);
  }

  synchronized List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  long count(Status status) {
    return count(outcomes(), status);
  }

  private static long count(List<Outcome> outcomes, Status status) {
    return outcomes.stream().filter(o -> o.status() == status).count();
  }

  /** Prints the summary and writes it to {@code file}. */
  void write(Path file) throws IOException {
    String summary = summary();
    System.out.println(summary);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, summary);
  }

  /**
   * The first line is {@code <title> passed=P failed=F not_claimed=N}; then per operator how many
   * cases using it passed, failed or were not claimed; the failures with their first mismatch; the
   * not-claimed reasons, most frequent first.
   */
  String summary() {
    // one snapshot, so that the counts and the lists agree
    List<Outcome> all = outcomes();
    StringBuilder s = new StringBuilder();
    s.append(title)
        .append(" passed=")
        .append(count(all, Status.PASSED))
        .append(" failed=")
        .append(count(all, Status.FAILED))
        .append(" not_claimed=")
        .append(count(all, Status.NOT_CLAIMED));
    long refused = count(all, Status.UNSUPPORTED_ON_DEVICE);
    if (refused > 0) {
      s.append(" unsupported_on_device=").append(refused);
    }
    s.append('\n');

    Map<String, long[]> perOp = new TreeMap<>();
    for (Outcome o : all) {
      for (String op : o.opTypes()) {
        perOp.computeIfAbsent(op, k -> new long[Status.values().length])[o.status().ordinal()]++;
      }
    }
    s.append("\nper op (cases using it): passed failed not_claimed")
        .append(refused > 0 ? " unsupported_on_device\n" : "\n");
    for (Map.Entry<String, long[]> e : perOp.entrySet()) {
      long[] c = e.getValue();
      s.append(String.format("  %-28s %5d %5d %5d", e.getKey(), c[0], c[1], c[2]));
      s.append(refused > 0 ? String.format(" %5d%n", c[3]) : String.format("%n"));
    }

    List<Outcome> failures = all.stream().filter(o -> o.status() == Status.FAILED).toList();
    s.append("\nfailures (").append(failures.size()).append(")\n");
    for (Outcome o : failures) {
      s.append("  ").append(o.caseId()).append(": ").append(o.detail()).append('\n');
    }

    Map<String, Long> reasons = new TreeMap<>();
    for (Outcome o : all) {
      if (o.status() == Status.NOT_CLAIMED) {
        reasons.merge(o.detail(), 1L, Long::sum);
      }
    }
    if (refused > 0) {
      s.append("\nunsupported on the device (").append(refused).append(")\n");
      for (Outcome o : all) {
        if (o.status() == Status.UNSUPPORTED_ON_DEVICE) {
          s.append("  ").append(o.caseId()).append(": ").append(o.detail()).append('\n');
        }
      }
    }
    s.append("\nnot claimed, by reason (").append(reasons.size()).append(" reasons)\n");
    reasons.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> s.append(String.format("  %5d  %s%n", e.getValue(), e.getKey())));
    return s.toString();
  }
}
