package io.framegate.gateway.cli;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.hardware.HardwareProfile;
import io.framegate.hardware.HardwareProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a hardware profile (shipped name or YAML file) into the backend it selects. */
final class ProfileBackends {
  private ProfileBackends() {}

  /** A shipped profile's name, or a path to a profile file; errors name the valid choices. */
  static HardwareProfile load(String nameOrFile) {
    Path file = Path.of(nameOrFile);
    if (nameOrFile.endsWith(".yaml") || nameOrFile.endsWith(".yml") || Files.exists(file)) {
      return HardwareProfiles.load(file);
    }
    return HardwareProfiles.shipped(nameOrFile);
  }

  /** The profile whose backend kind and device selector match {@code backend}, or null. */
  static HardwareProfile matching(
      Backend backend, int deviceIndex, List<HardwareProfile> profiles) {
    for (HardwareProfile p : profiles) {
      if (!backend.name().equals(p.backend().yamlName())
          && !backend.name().startsWith(p.backend().yamlName() + ":")) {
        continue;
      }
      if (p.device().isEmpty() || p.device().get().matches(deviceIndex, backend.describe())) {
        return p;
      }
    }
    return null;
  }

  /** The device index in a device backend's name ({@code tornado-opencl:1} → 1), or 0. */
  static int deviceIndex(Backend b) {
    int colon = b.name().lastIndexOf(':');
    if (colon < 0) {
      return 0;
    }
    try {
      return Integer.parseInt(b.name().substring(colon + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The backend a profile selects, with the profile's work-group sizes applied. */
  static Backend resolve(HardwareProfile p) {
    List<Backend> all = Backends.available();
    List<String> names = new ArrayList<>();
    for (Backend b : all) {
      names.add(b.name());
      if (matching(b, deviceIndex(b), List.of(p)) != null) {
        return b.withWorkGroupSizes(p.workGroupSizesByName());
      }
    }
    throw new IllegalArgumentException(
        "no backend matches profile '"
            + p.name()
            + "' ("
            + p.backend().yamlName()
            + p.device().map(d -> ", device " + d).orElse("")
            + "); available: "
            + String.join(", ", names)
            + (p.backend().isDevice() ? " (see 'framegate devices')" : ""));
  }
}
