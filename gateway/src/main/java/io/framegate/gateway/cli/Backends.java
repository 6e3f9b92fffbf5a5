package io.framegate.gateway.cli;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.ReferenceBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The backends {@code --backend} can name. */
final class Backends {
  static final String DEFAULT = ReferenceBackend.NAME;

  private static final Map<String, Supplier<Backend>> BY_NAME = new LinkedHashMap<>();

  static {
    BY_NAME.put(DEFAULT, ReferenceBackend::new);
  }

  private Backends() {}

  /** Fails as a usage error, listing the valid names, before any work is done. */
  static void check(String name, CommandLine cmd) {
    if (!BY_NAME.containsKey(name)) {
      throw new ParameterException(
          cmd,
          "unknown backend '" + name + "'; valid names: " + String.join(", ", BY_NAME.keySet()));
    }
  }

  static Backend create(String name) {
    return BY_NAME.get(name).get();
  }
}
