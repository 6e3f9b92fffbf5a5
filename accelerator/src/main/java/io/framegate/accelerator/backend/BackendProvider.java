package io.framegate.accelerator.backend;

import java.util.List;

/**
 * A source of device backends that may be absent at run time (TornadoVM needs its SDK on the module
 * path and its JVM flags). Providers are found through {@link java.util.ServiceLoader}; the build
 * lists one only when it compiled the device code, so a plain build has none.
 */
public interface BackendProvider {

  /** The family of backends offered, e.g. {@code tornado}; used in messages. */
  String name();

  /**
   * One backend per usable device on this machine, in a stable order.
   *
   * @throws RuntimeException or {@link LinkageError} when the runtime behind the provider is not
   *     available; {@link Backends} reports that once and carries on with the JVM backends
   */
  List<Backend> backends();
}
