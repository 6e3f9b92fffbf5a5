package io.framegate.accelerator.tornado;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.backend.BackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

/**
 * Offers one {@link io.framegate.accelerator.tornado.TornadoBackend} per TornadoVM device. Loading
 * this class fails (and {@link io.framegate.accelerator.backend.Backends} says so once) when the
 * JVM was started without the TornadoVM SDK and its flags.
 */
public final class TornadoBackendProvider implements BackendProvider {

  @Override
  public String name() {
    return "TornadoVM";
  }

  @Override
  public List<Backend> backends() {
    try {
      return devices();
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException(
          "the JVM was started without the TornadoVM SDK and its flags (missing "
              + e.getMessage()
              + "; start it with the flags framegate_tornado_flags prints)",
          e);
    }
  }

  private static List<Backend> devices() {
    List<Backend> out = new ArrayList<>();
    for (TornadoBackend driver : TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends()) {
      for (int d = 0; d < driver.getNumDevices(); d++) {
        out.add(
            new io.framegate.accelerator.tornado.TornadoBackend(driver.getDevice(d), d, Map.of()));
      }
    }
    return out;
  }
}
