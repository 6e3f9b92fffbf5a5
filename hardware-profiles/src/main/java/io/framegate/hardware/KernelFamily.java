package io.framegate.hardware;

import java.util.Arrays;
import java.util.List;

/** Groups of kernels that share a work-group size in a profile. */
public enum KernelFamily {
  CONV("conv"),
  POOL("pool"),
  ELEMENTWISE("elementwise"),
  GEMM("gemm"),
  SOFTMAX("softmax"),
  LAYOUT("layout");

  private final String yamlName;

  KernelFamily(String yamlName) {
    this.yamlName = yamlName;
  }

  public String yamlName() {
    return yamlName;
  }

  public static List<String> names() {
    return Arrays.stream(values()).map(KernelFamily::yamlName).toList();
  }

  /**
   * @throws IllegalArgumentException listing the families
   */
  public static KernelFamily of(String name) {
    for (KernelFamily f : values()) {
      if (f.yamlName.equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "'" + name + "' is not a kernel family (allowed: " + names() + ")");
  }
}
