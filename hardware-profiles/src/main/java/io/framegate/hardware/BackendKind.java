package io.framegate.hardware;

import java.util.Arrays;
import java.util.List;

/** The kinds of backend a profile may name, spelled as in the YAML files. */
public enum BackendKind {
  JVM_REFERENCE("jvm-reference"),
  JVM_VECTOR("jvm-vector"),
  TORNADO_OPENCL("tornado-opencl"),
  TORNADO_PTX("tornado-ptx"),
  TORNADO_SPIRV("tornado-spirv");

  private final String yamlName;

  BackendKind(String yamlName) {
    this.yamlName = yamlName;
  }

  /** The spelling used in profiles, and the prefix of the backend's name at run time. */
  public String yamlName() {
    return yamlName;
  }

  /** Whether the backend runs on a TornadoVM device (and so takes a device selector). */
  public boolean isDevice() {
    return name().startsWith("TORNADO_");
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(BackendKind::yamlName).toList();
  }

  /**
   * @throws IllegalArgumentException listing the allowed names
   */
  public static BackendKind of(String name) {
    for (BackendKind k : values()) {
      if (k.yamlName.equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "'" + name + "' is not a backend (allowed: " + names() + ")");
  }
}
