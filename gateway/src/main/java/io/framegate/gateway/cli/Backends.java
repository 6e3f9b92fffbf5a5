package io.framegate.gateway.cli;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.ReferenceBackend;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Resolves {@code --backend} names against the backends on the class path. */
final class Backends {
  static final String DEFAULT = ReferenceBackend.NAME;

  private Backends() {}

  /** Fails as a usage error, listing the valid names, before any work is done. */
  static void check(String name, CommandLine cmd) {
    try {
      io.framegate.accelerator.backend.Backends.byName(name);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cmd, e.getMessage());
    }
  }

  static Backend create(String name) {
    return io.framegate.accelerator.backend.Backends.byName(name);
  }
}
