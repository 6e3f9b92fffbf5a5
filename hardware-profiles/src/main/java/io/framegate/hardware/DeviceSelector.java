package io.framegate.hardware;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which device of a backend a profile means: a device index (as in {@code tornado-opencl:0}) or a
 * regular expression that must be found in the device's name as its driver reports it. Exactly one
 * of the two is set.
 */
public record DeviceSelector(Integer index, String namePattern) {
  public DeviceSelector {
    if ((index == null) == (namePattern == null)) {
      throw new IllegalArgumentException("device: give exactly one of 'index' and 'name'");
    }
    if (index != null && index < 0) {
      throw new IllegalArgumentException("device.index: must be 0 or more, is " + index);
    }
    if (namePattern != null) {
      try {
        Pattern.compile(namePattern);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "device.name: '"
                + namePattern
                + "' is not a regular expression: "
                + e.getDescription());
      }
    }
  }

  public static DeviceSelector index(int index) {
    return new DeviceSelector(index, null);
  }

  public static DeviceSelector name(String pattern) {
    return new DeviceSelector(null, pattern);
  }

  /** Whether the device at {@code deviceIndex} with this driver-reported name is the one meant. */
  public boolean matches(int deviceIndex, String deviceName) {
    return index != null
        ? index == deviceIndex
        : Pattern.compile(namePattern).matcher(deviceName).find();
  }

  @Override
  public String toString() {
    return index != null ? "index " + index : "name ~ /" + namePattern + "/";
  }
}
