package io.framegate.gateway.cli;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.Backends;
import io.framegate.hardware.HardwareProfile;
import io.framegate.hardware.HardwareProfiles;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code framegate devices}: every backend this JVM can run, with the shipped profile that fits it.
 */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the JVM backends and every TornadoVM backend:device (name, description, memory) with the"
          + " shipped hardware profile that matches it, and why device backends are missing if they are."
    })
public final class DevicesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<HardwareProfile> profiles = new ArrayList<>();
    for (String name : HardwareProfiles.SHIPPED) {
      profiles.add(HardwareProfiles.shipped(name));
    }
    Backends.Discovery d = Backends.discover();
    for (Backend b : d.all()) {
      HardwareProfile p = ProfileBackends.matching(b, ProfileBackends.deviceIndex(b), profiles);
      out.printf(
          "%-20s %-60s profile: %s%n", b.name(), b.describe(), p == null ? "(none)" : p.name());
    }
    for (String note : d.notes()) {
      out.println("note: " + note);
    }
    out.flush();
    return 0;
  }
}
