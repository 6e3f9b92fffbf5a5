package io.framegate.accelerator.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The backends on the class path: the JVM ones (listed as {@link Backend} services) and the device
 * ones offered by {@link BackendProvider}s. A provider that cannot start (no TornadoVM SDK on the
 * module path, no OpenCL driver) is reported once per JVM and skipped, so the JVM backends always
 * remain.
 */
public final class Backends {
  private static final System.Logger LOG = System.getLogger(Backends.class.getName());
  private static final AtomicBoolean REPORTED = new AtomicBoolean();

  private Backends() {}

  /**
   * What one look at the class path found.
   *
   * @param jvm the JVM backends
   * @param devices one backend per usable device
   * @param notes why device backends are missing, if they are (empty when every provider started)
   * @param providerFailed whether a device provider was present but could not start
   */
  public record Discovery(
      List<Backend> jvm, List<Backend> devices, List<String> notes, boolean providerFailed) {
    public Discovery {
      jvm = List.copyOf(jvm);
      devices = List.copyOf(devices);
      notes = List.copyOf(notes);
    }

    public List<Backend> all() {
      List<Backend> out = new ArrayList<>(jvm);
      out.addAll(devices);
      return out;
    }
  }

  /** Finds every backend; never throws for a missing device runtime (see {@link #available}). */
  public static Discovery discover() {
    List<Backend> jvm = new ArrayList<>();
    ServiceLoader.load(Backend.class).forEach(jvm::add);
    List<Backend> devices = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean anyProvider = false;
    boolean failed = false;
    var it = ServiceLoader.load(BackendProvider.class).iterator();
    while (true) {
      BackendProvider provider;
      try {
        if (!it.hasNext()) {
          break;
        }
        provider = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        anyProvider = true;
        failed = true;
        notes.add("device backends unavailable: " + describe(e));
        continue;
      }
      anyProvider = true;
      try {
        devices.addAll(provider.backends());
      } catch (RuntimeException | LinkageError e) {
        failed = true;
        notes.add(provider.name() + " unavailable: " + describe(e));
      }
    }
    if (!anyProvider) {
      notes.add("this build has no device backends (TORNADOVM_HOME was not set when it was built)");
    }
    return new Discovery(jvm, devices, notes, failed);
  }

  /**
   * Every usable backend, JVM ones first. The first call in a JVM that finds device backends
   * missing says why, once.
   */
  public static List<Backend> available() {
    Discovery d = discover();
    // a build without device backends is the ordinary CPU build ('framegate devices' says so); a
    // device provider that is present but cannot start is worth a warning, once
    if (!d.notes().isEmpty() && REPORTED.compareAndSet(false, true)) {
      LOG.log(
          d.providerFailed() ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
          String.join("; ", d.notes()) + "; using the JVM backends");
    }
    return d.all();
  }

  private static String describe(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
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
