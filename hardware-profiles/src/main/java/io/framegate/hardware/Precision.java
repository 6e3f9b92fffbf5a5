package io.framegate.hardware;

import java.util.Arrays;
import java.util.List;

/** Arithmetic precision of a profile. Only FP32 runs today: every kernel is float32. */
public enum Precision {
  FP32("fp32"),
  FP16("fp16"),
  INT8("int8");

  private final String yamlName;

  Precision(String yamlName) {
    this.yamlName = yamlName;
  }

  public String yamlName() {
    return yamlName;
  }

  /**
   * @throws IllegalArgumentException for unknown names (listing them) and for precisions the
   *     kernels do not implement yet
   */
  public static Precision of(String name) {
    for (Precision p : values()) {
      if (p.yamlName.equals(name)) {
        if (p != FP32) {
          throw new IllegalArgumentException(
              "'"
                  + name
                  + "' is not supported yet: the kernels are float32, so only fp32 is accepted");
        }
        return p;
      }
    }
    List<String> known = Arrays.stream(values()).map(Precision::yamlName).toList();
    throw new IllegalArgumentException(
        "'" + name + "' is not a precision (known: " + known + "; accepted: fp32)");
  }
}
