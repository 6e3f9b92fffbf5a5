package io.framegate.gateway.cli;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.vector.VectorBackend;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Resolves {@code --backend} names against the backends on the class path. */
final class Backends {
  /** The fast JVM backend: what a user running a model wants unless they ask for another. */
  static final String DEFAULT = VectorBackend.NAME;

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
