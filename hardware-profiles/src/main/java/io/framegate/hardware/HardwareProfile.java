package io.framegate.hardware;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to serve on one class of device: which backend and device, the batch sizes to compile a plan
 * for, how long a batch may wait to fill, work-group sizes per kernel family (families left out are
 * sized by the driver), the precision, and for FPGAs where the bitstreams are.
 */
public record HardwareProfile(
    String name,
    BackendKind backend,
    Optional<DeviceSelector> device,
    List<Integer> batchSizes,
    Duration maxQueueDelay,
    Map<KernelFamily, Integer> workGroupSizes,
    Precision precision,
    Optional<FpgaSettings> fpga) {

  /** Larger than any device's work-group limit (1024 on NVIDIA GPUs, 4096 on PoCL). */
  public static final int MAX_WORK_GROUP_SIZE = 4096;

  public HardwareProfile {
    if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException(
          "name: '" + name + "' must be lower-case letters, digits and dashes");
    }
    if (backend.isDevice() && device.isEmpty()) {
      throw new IllegalArgumentException(
          "device: required for backend " + backend.yamlName() + " (give index or name)");
    }
    if (!backend.isDevice() && device.isPresent()) {
      throw new IllegalArgumentException(
          "device: backend " + backend.yamlName() + " runs on the JVM and has no devices");
    }
    if (batchSizes.isEmpty()) {
      throw new IllegalArgumentException("batch-sizes: give at least one");
    }
    for (int i = 0; i < batchSizes.size(); i++) {
      int b = batchSizes.get(i);
      if (b < 1) {
        throw new IllegalArgumentException("batch-sizes: " + b + " is not a batch size (>= 1)");
      }
      if (i > 0 && b <= batchSizes.get(i - 1)) {
        throw new IllegalArgumentException(
            "batch-sizes: must be strictly increasing, got " + batchSizes);
      }
    }
    batchSizes = List.copyOf(batchSizes);
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("max-queue-delay: must not be negative");
    }
    if (maxQueueDelay.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException(
          "max-queue-delay: " + maxQueueDelay.toMillis() + "ms is longer than 10s");
    }
    if (!workGroupSizes.isEmpty() && !backend.isDevice()) {
      throw new IllegalArgumentException(
          "work-group-sizes: backend " + backend.yamlName() + " has no work-groups");
    }
    for (var e : workGroupSizes.entrySet()) {
      int s = e.getValue();
      if (s < 1 || s > MAX_WORK_GROUP_SIZE) {
        throw new IllegalArgumentException(
            "work-group-sizes."
                + e.getKey().yamlName()
                + ": "
                + s
                + " is outside 1.."
                + MAX_WORK_GROUP_SIZE);
      }
    }
    workGroupSizes =
        workGroupSizes.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(workGroupSizes));
    if (fpga.isPresent() && backend != BackendKind.TORNADO_OPENCL) {
      throw new IllegalArgumentException(
          "fpga: FPGAs run through TornadoVM's OpenCL backend; backend is " + backend.yamlName());
    }
  }

  /** The largest batch a plan is compiled for. */
  public int maxBatch() {
    return batchSizes.getLast();
  }

  /** Work-group sizes keyed by family name (conv, pool, ...), as the device backend takes them. */
  public Map<String, Integer> workGroupSizesByName() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    workGroupSizes.forEach((k, v) -> out.put(k.yamlName(), v));
    return out;
  }
}
