package io.framegate.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HardwareProfilesTest {

  private static final String VALID =
      """
      name: test-gpu
      backend: tornado-opencl
      device:
        index: 1
      batch-sizes: [1, 4, 8]
      max-queue-delay: 2.5ms
      work-group-sizes:
        conv: 128
        elementwise: 256
      precision: fp32
      """;

  static List<String> shipped() {
    return HardwareProfiles.SHIPPED;
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void everyShippedProfileLoadsAndIsNamedAfterItsFile(String name) {
    HardwareProfile p = HardwareProfiles.shipped(name);
    assertEquals(name, p.name());
    assertEquals(Precision.FP32, p.precision());
    assertEquals(p.backend().isDevice(), p.device().isPresent());
  }

  @Test
  void theShippedListMatchesTheFilesInTheJar() throws IOException {
    Path dir = Path.of("src/main/resources/profiles");
    try (Stream<Path> files = Files.list(dir)) {
      Set<String> names =
          files
              .map(f -> f.getFileName().toString())
              .map(f -> f.substring(0, f.length() - ".yaml".length()))
              .collect(Collectors.toSet());
      assertEquals(Set.copyOf(HardwareProfiles.SHIPPED), names);
    }
  }

  @Test
  void shippedProfilesSayWhereTheirNumbersComeFrom() throws IOException {
    for (String name : HardwareProfiles.SHIPPED) {
      String text = Files.readString(Path.of("src/main/resources/profiles", name + ".yaml"));
      assertTrue(text.startsWith("#"), name + " starts with a comment");
      assertTrue(
          text.contains("Measured here")
              || text.contains("Not measured here")
              || text.contains("framegate defaults"),
          name + " says what was measured");
    }
  }

  @Test
  void aValidFileGivesEveryField() {
    HardwareProfile p = HardwareProfiles.parse(VALID, "test.yaml");
    assertEquals("test-gpu", p.name());
    assertEquals(BackendKind.TORNADO_OPENCL, p.backend());
    assertEquals(DeviceSelector.index(1), p.device().orElseThrow());
    assertEquals(List.of(1, 4, 8), p.batchSizes());
    assertEquals(8, p.maxBatch());
    assertEquals(Duration.ofNanos(2_500_000), p.maxQueueDelay());
    assertEquals(Map.of("conv", 128, "elementwise", 256), p.workGroupSizesByName());
    assertTrue(p.fpga().isEmpty());
  }

  @Test
  void fpgaProfilesCarryTheirBitstreamSettings() {
    HardwareProfile p = HardwareProfiles.shipped("intel-fpga-opencl");
    FpgaSettings f = p.fpga().orElseThrow();
    assertEquals(Path.of("fpga-source-comp/"), f.bitstreamDirectory());
    assertFalse(f.emulation());
    assertEquals(64, p.workGroupSizes().get(KernelFamily.CONV));
  }

  @Test
  void deviceSelectorsMatchByIndexOrName() {
    assertTrue(DeviceSelector.index(2).matches(2, "anything"));
    assertFalse(DeviceSelector.index(2).matches(0, "anything"));
    DeviceSelector byName = HardwareProfiles.shipped("opencl-cpu").device().orElseThrow();
    assertTrue(byName.matches(5, "pthread-haswell-AMD EPYC"));
    assertFalse(byName.matches(0, "NVIDIA GeForce RTX 4090"));
  }

  private static String error(String yaml) {
    return assertThrows(
            InvalidProfileException.class, () -> HardwareProfiles.parse(yaml, "bad.yaml"))
        .getMessage();
  }

  @Test
  void unknownBackendNamesTheFieldAndTheAllowedValues() {
    String m = error(VALID.replace("tornado-opencl", "cuda"));
    assertEquals(
        "bad.yaml: backend: 'cuda' is not a backend (allowed: [jvm-reference, jvm-vector,"
            + " tornado-opencl, tornado-ptx, tornado-spirv])",
        m);
  }

  @Test
  void misspelledFieldsAreRejectedWithTheFieldList() {
    String m = error(VALID.replace("batch-sizes", "batch_sizes"));
    assertTrue(m.startsWith("bad.yaml: batch_sizes: unknown field (allowed: [backend,"), m);
    assertTrue(m.contains("batch-sizes"), m);
    String d = error(VALID.replace("index: 1", "idx: 1"));
    assertEquals("bad.yaml: device.idx: unknown field (allowed: [index, name])", d);
  }

  @Test
  void precisionOtherThanFp32IsRefusedAndSaysWhy() {
    String m = error(VALID.replace("fp32", "fp16"));
    assertEquals(
        "bad.yaml: precision: 'fp16' is not supported yet: the kernels are float32, so only fp32"
            + " is accepted",
        m);
    String unknown = error(VALID.replace("fp32", "bf16"));
    assertTrue(unknown.contains("'bf16' is not a precision (known: [fp32, fp16, int8]"), unknown);
  }

  @Test
  void batchSizesMustBePositiveAndIncreasing() {
    assertEquals(
        "bad.yaml: batch-sizes: must be strictly increasing, got [1, 8, 4]",
        error(VALID.replace("[1, 4, 8]", "[1, 8, 4]")));
    assertEquals(
        "bad.yaml: batch-sizes: 0 is not a batch size (>= 1)",
        error(VALID.replace("[1, 4, 8]", "[0, 4]")));
    assertEquals(
        "bad.yaml: batch-sizes: must be a list of integers, got string \"eight\"",
        error(VALID.replace("[1, 4, 8]", "[1, eight]")));
    assertEquals(
        "bad.yaml: batch-sizes: give at least one", error(VALID.replace("[1, 4, 8]", "[]")));
  }

  @Test
  void durationsNeedAUnit() {
    assertEquals(
        "bad.yaml: max-queue-delay: '5' is not a duration (a number with us, ms or s, e.g. 5ms)",
        error(VALID.replace("2.5ms", "\"5\"")));
    assertEquals(
        "bad.yaml: max-queue-delay: 20000ms is longer than 10s",
        error(VALID.replace("2.5ms", "20s")));
  }

  @Test
  void workGroupSizesNameTheirFamilies() {
    assertEquals(
        "bad.yaml: work-group-sizes: 'attention' is not a kernel family (allowed: [conv, pool,"
            + " elementwise, gemm, softmax, layout])",
        error(VALID.replace("conv: 128", "attention: 128")));
    assertEquals(
        "bad.yaml: work-group-sizes.conv: 5000 is outside 1..4096",
        error(VALID.replace("conv: 128", "conv: 5000")));
  }

  @Test
  void devicesAreRequiredForDeviceBackendsOnly() {
    assertEquals(
        "bad.yaml: device: required for backend tornado-opencl (give index or name)",
        error(VALID.replace("device:\n  index: 1\n", "")));
    String jvm = VALID.replace("tornado-opencl", "jvm-reference");
    assertEquals(
        "bad.yaml: device: backend jvm-reference runs on the JVM and has no devices", error(jvm));
    assertEquals(
        "bad.yaml: device: give exactly one of 'index' and 'name'",
        error(VALID.replace("index: 1", "index: 1\n  name: gpu")));
    assertTrue(
        error(VALID.replace("index: 1", "name: \"gpu[\""))
            .startsWith("bad.yaml: device.name: 'gpu[' is not a regular expression"));
  }

  @Test
  void fpgaSettingsOnlyWithOpenClAndWithABitstreamOrEmulation() {
    String ptx = VALID.replace("tornado-opencl", "tornado-ptx") + "fpga:\n  emulation: true\n";
    assertEquals(
        "bad.yaml: fpga: FPGAs run through TornadoVM's OpenCL backend; backend is tornado-ptx",
        error(ptx));
    assertEquals(
        "bad.yaml: fpga: give 'bitstream-directory' (ahead-of-time bitstreams) or set"
            + " 'emulation: true'",
        error(VALID + "fpga:\n  emulation: false\n"));
    assertEquals(
        "bad.yaml: fpga.emulation: must be true or false, got string \"yes please\"",
        error(VALID + "fpga:\n  emulation: yes please\n"));
  }

  @Test
  void brokenYamlAndMissingFieldsNameTheFile() {
    assertTrue(error("name: [unclosed").startsWith("bad.yaml: not valid YAML: "));
    assertEquals("bad.yaml: name: required", error(VALID.replace("name: test-gpu\n", "")));
    assertEquals(
        "bad.yaml: name: 'Test GPU' must be lower-case letters, digits and dashes",
        error(VALID.replace("test-gpu", "\"Test GPU\"")));
    InvalidProfileException e =
        assertThrows(InvalidProfileException.class, () -> HardwareProfiles.shipped("tpu"));
    assertTrue(e.getMessage().startsWith("no shipped profile named 'tpu' (shipped: ["));
  }

  @Test
  void filesAreReadFromDisk(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("edge.yaml");
    Files.writeString(f, VALID.replace("2.5ms", "nonsense"));
    InvalidProfileException e =
        assertThrows(InvalidProfileException.class, () -> HardwareProfiles.load(f));
    assertTrue(e.getMessage().startsWith(f + ": max-queue-delay: 'nonsense'"), e.getMessage());
    Files.writeString(f, VALID);
    assertEquals("test-gpu", HardwareProfiles.load(f).name());
  }

  @Test
  void environmentOverridesBatchSizesDelayAndDevice() {
    HardwareProfile p = HardwareProfiles.parse(VALID, "test.yaml");
    HardwareProfile o =
        HardwareProfiles.withEnvironment(
            p,
            Map.of(
                "FRAMEGATE_BATCH_SIZES", "2, 16",
                "FRAMEGATE_MAX_QUEUE_DELAY", "750us",
                "FRAMEGATE_DEVICE", "Radeon",
                "PATH", "/usr/bin"));
    assertEquals(List.of(2, 16), o.batchSizes());
    assertEquals(Duration.ofNanos(750_000), o.maxQueueDelay());
    assertEquals(DeviceSelector.name("Radeon"), o.device().orElseThrow());
    assertEquals(p.workGroupSizes(), o.workGroupSizes());
    InvalidProfileException e =
        assertThrows(
            InvalidProfileException.class,
            () -> HardwareProfiles.withEnvironment(p, Map.of("FRAMEGATE_BATCH_SIZES", "4,2")));
    assertEquals(
        "profile test-gpu with environment overrides: batch-sizes: must be strictly increasing,"
            + " got [4, 2]",
        e.getMessage());
  }
}
