package io.framegate.tests.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One ONNX backend test case: a directory holding {@code model.onnx} and one or more {@code
 * test_data_set_N} directories of {@code input_K.pb} / {@code output_K.pb}.
 *
 * @param suite the folder the case sits in, e.g. {@code node}
 */
record ConformanceCase(String suite, String name, Path model, List<DataSet> dataSets) {

  /** The suites this harness reads, in report order. */
  static final List<String> SUITES = List.of("node", "pytorch-converted", "pytorch-operator");

  private static final Pattern NUMBERED = Pattern.compile("(?:test_data_set|input|output)_(\\d+)");

  ConformanceCase {
    dataSets = List.copyOf(dataSets);
  }

  /** Inputs and expected outputs, each in position order K = 0, 1, 2, … */
  record DataSet(String name, List<Path> inputs, List<Path> outputs) {
    DataSet {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }
  }

  /** How the case is named in reports: {@code node/test_abs}. */
  String id() {
    return suite + "/" + name;
  }

  /** Every case under {@code root/<suite>/}, sorted by suite then name. */
  static List<ConformanceCase> discover(Path root) {
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException(
          "ONNX test data not found at "
              + root
              + "; install the ONNX backend test data or set -Donnx.testdata.dir");
    }
    List<ConformanceCase> cases = new ArrayList<>();
    for (String suite : SUITES) {
      Path dir = root.resolve(suite);
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException(
            "ONNX test data has no '" + suite + "' folder under " + root);
      }
      for (Path caseDir : list(dir)) {
        Path model = caseDir.resolve("model.onnx");
        if (Files.isRegularFile(model)) {
          cases.add(read(suite, caseDir, model));
        }
      }
    }
    return cases;
  }

  private static ConformanceCase read(String suite, Path caseDir, Path model) {
    List<DataSet> sets = new ArrayList<>();
    for (Path setDir : numbered(list(caseDir), "test_data_set_")) {
      List<Path> files = list(setDir);
      sets.add(
          new DataSet(
              setDir.getFileName().toString(),
              numbered(files, "input_"),
              numbered(files, "output_")));
    }
    return new ConformanceCase(suite, caseDir.getFileName().toString(), model, sets);
  }

  /** The entries named {@code prefix N[.pb]}, ordered by N (so that 10 follows 9). */
  private static List<Path> numbered(List<Path> entries, String prefix) {
    return entries.stream()
        .filter(p -> p.getFileName().toString().startsWith(prefix))
        .filter(p -> number(p) >= 0)
        .sorted(Comparator.comparingInt(ConformanceCase::number))
        .toList();
  }

  private static int number(Path p) {
    Matcher m = NUMBERED.matcher(p.getFileName().toString().replaceFirst("\\.pb$", ""));
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
