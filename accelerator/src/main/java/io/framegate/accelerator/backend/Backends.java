package io.framegate.accelerator.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The backends on the class path, found through {@link ServiceLoader}. */
public final class Backends {
  private Backends() {}

  public static List<Backend> available() {
    List<Backend> out = new ArrayList<>();
    ServiceLoader.load(Backend.class).forEach(out::add);
    return out;
  }

  /**
   * @throws IllegalArgumentException naming the valid backends
   */
  public static Backend byName(String name) {
    List<Backend> all = available();
    for (Backend b : all) {
      if (b.name().equals(name)) {
        return b;
      }
    }
    throw new IllegalArgumentException(
        "unknown backend '"
            + name
            + "' (available: "
            + String.join(", ", all.stream().map(Backend::name).toList())
            + ")");
  }
}
