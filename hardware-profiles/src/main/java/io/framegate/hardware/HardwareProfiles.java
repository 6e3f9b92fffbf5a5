package io.framegate.hardware;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads hardware profiles from YAML and checks every field, so that a wrong file fails at start-up
 * with a message naming the file, the field and the allowed values. Profiles shipped with framegate
 * are read from the class path by name.
 */
public final class HardwareProfiles {
  /** The profiles under {@code profiles/} in this jar. */
  public static final List<String> SHIPPED =
      List.of(
          "jvm-reference",
          "jvm-vector",
          "opencl-cpu",
          "nvidia-gpu-ptx",
          "nvidia-gpu-opencl",
          "intel-fpga-opencl",
          "xilinx-fpga-opencl");

  private static final Set<String> FIELDS =
      Set.of(
          "name",
          "backend",
          "device",
          "batch-sizes",
          "max-queue-delay",
          "work-group-sizes",
          "precision",
          "fpga");
  private static final Set<String> DEVICE_FIELDS = Set.of("index", "name");
  private static final Set<String> FPGA_FIELDS = Set.of("bitstream-directory", "emulation");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s)");

  private HardwareProfiles() {}

  /** Reads a profile file. */
  public static HardwareProfile load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new InvalidProfileException(file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /** Reads a shipped profile by name, e.g. {@code opencl-cpu}. */
  public static HardwareProfile shipped(String name) {
    if (!SHIPPED.contains(name)) {
      throw new InvalidProfileException(
          "no shipped profile named '" + name + "' (shipped: " + SHIPPED + ")");
    }
    String resource = "profiles/" + name + ".yaml";
    try (InputStream in = HardwareProfiles.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new InvalidProfileException(resource + ": missing from the class path");
      }
      return parse(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), resource);
    } catch (IOException e) {
      throw new InvalidProfileException(resource + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Parses YAML text; {@code source} names it in errors.
   *
   * @throws InvalidProfileException "source: field: problem (allowed: ...)"
   */
  public static HardwareProfile parse(String yaml, String source) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(yaml);
    } catch (JacksonException e) {
      throw new InvalidProfileException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidProfileException(source + ": must be a mapping of fields " + sorted(FIELDS));
    }
    try {
      return build(root);
    } catch (IllegalArgumentException e) {
      throw new InvalidProfileException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * The profile with environment overrides applied: {@code FRAMEGATE_BATCH_SIZES} ("1,4,8"), {@code
   * FRAMEGATE_MAX_QUEUE_DELAY} ("5ms") and {@code FRAMEGATE_DEVICE} (an index, or a name pattern).
   * Other variables are ignored.
   */
  public static HardwareProfile withEnvironment(HardwareProfile p, Map<String, String> env) {
    List<Integer> batches = p.batchSizes();
    Duration delay = p.maxQueueDelay();
    Optional<DeviceSelector> device = p.device();
    try {
      String b = env.get("FRAMEGATE_BATCH_SIZES");
      if (b != null) {
        batches = new ArrayList<>();
        for (String part : b.split(",")) {
          try {
            batches.add(Integer.parseInt(part.trim()));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                "batch-sizes: '" + part.trim() + "' is not an integer");
          }
        }
      }
      String d = env.get("FRAMEGATE_MAX_QUEUE_DELAY");
      if (d != null) {
        delay = duration("max-queue-delay", d);
      }
      String dev = env.get("FRAMEGATE_DEVICE");
      if (dev != null) {
        device =
            Optional.of(
                dev.matches("\\d+")
                    ? DeviceSelector.index(Integer.parseInt(dev))
                    : DeviceSelector.name(dev));
      }
      return new HardwareProfile(
          p.name(),
          p.backend(),
          device,
          batches,
          delay,
          p.workGroupSizes(),
          p.precision(),
          p.fpga());
    } catch (IllegalArgumentException e) {
      throw new InvalidProfileException(
          "profile " + p.name() + " with environment overrides: " + e.getMessage(), e);
    }
  }

  private static HardwareProfile build(JsonNode root) {
    checkFields(root, FIELDS, "");
    String name = text(root, "name", true);
    BackendKind backend;
    try {
      backend = BackendKind.of(text(root, "backend", true));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage().startsWith("backend") ? e.getMessage() : "backend: " + e.getMessage());
    }
    Optional<DeviceSelector> device = Optional.empty();
    JsonNode d = root.get("device");
    if (d != null) {
      if (!d.isObject()) {
        throw new IllegalArgumentException("device: must be a mapping with 'index' or 'name'");
      }
      checkFields(d, DEVICE_FIELDS, "device.");
      JsonNode index = d.get("index");
      if (index != null && !index.isInt()) {
        throw new IllegalArgumentException("device.index: must be an integer, got " + show(index));
      }
      device =
          Optional.of(
              new DeviceSelector(
                  index == null ? null : index.intValue(), text(d, "name", false, "device.")));
    }
    JsonNode b = root.get("batch-sizes");
    if (b == null) {
      throw new IllegalArgumentException("batch-sizes: required (e.g. [1, 4, 8])");
    }
    if (!b.isArray()) {
      throw new IllegalArgumentException("batch-sizes: must be a list of integers, got " + show(b));
    }
    List<Integer> batches = new ArrayList<>();
    for (JsonNode v : b) {
      if (!v.isInt()) {
        throw new IllegalArgumentException(
            "batch-sizes: must be a list of integers, got " + show(v));
      }
      batches.add(v.intValue());
    }
    String delayText = text(root, "max-queue-delay", true);
    Duration delay = duration("max-queue-delay", delayText);
    Map<KernelFamily, Integer> sizes = new EnumMap<>(KernelFamily.class);
    JsonNode w = root.get("work-group-sizes");
    if (w != null) {
      if (!w.isObject()) {
        throw new IllegalArgumentException(
            "work-group-sizes: must be a mapping of " + KernelFamily.names() + " to integers");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = w.fields(); it.hasNext(); ) {
        var e = it.next();
        KernelFamily f;
        try {
          f = KernelFamily.of(e.getKey());
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("work-group-sizes: " + ex.getMessage());
        }
        if (!e.getValue().isInt()) {
          throw new IllegalArgumentException(
              "work-group-sizes." + e.getKey() + ": must be an integer, got " + show(e.getValue()));
        }
        sizes.put(f, e.getValue().intValue());
      }
    }
    Precision precision;
    try {
      precision = Precision.of(text(root, "precision", true));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("precision: " + e.getMessage());
    }
    Optional<FpgaSettings> fpga = Optional.empty();
    JsonNode f = root.get("fpga");
    if (f != null) {
      if (!f.isObject()) {
        throw new IllegalArgumentException("fpga: must be a mapping of " + sorted(FPGA_FIELDS));
      }
      checkFields(f, FPGA_FIELDS, "fpga.");
      String dir = text(f, "bitstream-directory", false, "fpga.");
      JsonNode emu = f.get("emulation");
      if (emu != null && !emu.isBoolean()) {
        throw new IllegalArgumentException(
            "fpga.emulation: must be true or false, got " + show(emu));
      }
      fpga =
          Optional.of(
              new FpgaSettings(
                  dir == null ? null : Path.of(dir), emu != null && emu.booleanValue()));
    }
    return new HardwareProfile(name, backend, device, batches, delay, sizes, precision, fpga);
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new IllegalArgumentException(
            prefix + f + ": unknown field (allowed: " + sorted(allowed) + ")");
      }
    }
  }

  private static String text(JsonNode node, String field, boolean required) {
    return text(node, field, required, "");
  }

  private static String text(JsonNode node, String field, boolean required, String prefix) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(prefix + field + ": required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(prefix + field + ": must be a string, got " + show(v));
    }
    return v.textValue();
  }

  /** "250us", "5ms", "1.5s". */
  static Duration duration(String field, String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          field + ": '" + text + "' is not a duration (a number with us, ms or s, e.g. 5ms)");
    }
    double v = Double.parseDouble(m.group(1));
    double nanos =
        switch (m.group(2)) {
          case "us" -> v * 1e3;
          case "ms" -> v * 1e6;
          default -> v * 1e9;
        };
    return Duration.ofNanos(Math.round(nanos));
  }

  private static String show(JsonNode v) {
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + v;
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
