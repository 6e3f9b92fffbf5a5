package io.framegate.accelerator.tornado;

import io.framegate.accelerator.backend.Backend;
import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.plan.ExecutionPlan;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * One TornadoVM device (OpenCL, PTX or SPIR-V) as a backend named {@code tornado-<driver>:<device
 * index>}, e.g. {@code tornado-opencl:0}. Each {@link #compile} builds one task graph for the
 * specialised graph; see {@link TornadoPlan}.
 */
public final class TornadoBackend implements Backend {
  /** Kernel families whose work-group size a hardware profile may set. */
  public static final Set<String> FAMILIES =
      Set.of("conv", "pool", "elementwise", "gemm", "softmax", "layout");

  private final TornadoDevice device;
  private final String name;
  private final Map<String, Integer> localSizes;

  TornadoBackend(TornadoDevice device, int deviceIndex, Map<String, Integer> localSizes) {
    for (var e : localSizes.entrySet()) {
      if (!FAMILIES.contains(e.getKey())) {
        throw new IllegalArgumentException(
            "unknown kernel family '" + e.getKey() + "' (families: " + FAMILIES + ")");
      }
      if (e.getValue() < 1) {
        throw new IllegalArgumentException(
            "work-group size for " + e.getKey() + " must be at least 1, is " + e.getValue());
      }
    }
    this.device = device;
    this.name =
        "tornado-"
            + device.getTornadoVMBackend().name().toLowerCase(Locale.ROOT)
            + ":"
            + deviceIndex;
    this.localSizes = Map.copyOf(localSizes);
  }

  /**
   * The same device with fixed work-group sizes per kernel family ({@link #FAMILIES}); families
   * left out are sized by the driver.
   */
  @Override
  public TornadoBackend withWorkGroupSizes(Map<String, Integer> sizes) {
    return new TornadoBackend(device, index(), sizes);
  }

  private int index() {
    return Integer.parseInt(name.substring(name.indexOf(':') + 1));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String describe() {
    return name
        + " — "
        + device.getPhysicalDevice().getDeviceName()
        + " ("
        + device.getPlatformName().trim()
        + ", "
        + device.getDeviceType()
        + ", "
        + device.getMaxGlobalMemory() / (1024 * 1024)
        + " MiB)";
  }

  /** The device's name as its driver reports it. */
  public String deviceName() {
    return device.getPhysicalDevice().getDeviceName();
  }

  public Map<String, Integer> workGroupSizes() {
    return localSizes;
  }

  @Override
  public ExecutionPlan compile(Graph graph) {
    return new TornadoPlan(graph, device, name, localSizes);
  }
}
