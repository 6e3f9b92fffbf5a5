package io.framegate.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeConfigTest {
  @TempDir Path dir;

  private static final ServeConfig.Overrides NONE =
      new ServeConfig.Overrides(null, null, null, null, null);

  @Test
  void commandLineBeatsEnvironmentBeatsFileBeatsDefaults() throws Exception {
    Path file = dir.resolve("serve.yaml");
    Files.writeString(
        file,
        "repository: /from/file\nport: 9001\nmetrics_port: 9002\nprofile: edge\nshutdown_grace_s: 5\n");

    ServeConfig fromFile = ServeConfig.resolve(NONE, file, Map.of());
    assertEquals(Path.of("/from/file"), fromFile.repository());
    assertEquals(9001, fromFile.port());
    assertEquals(9002, fromFile.metricsPort());
    assertEquals("edge", fromFile.profile());
    assertEquals(Duration.ofSeconds(5), fromFile.grace());
    assertEquals("0.0.0.0", fromFile.host());

    Map<String, String> env = Map.of("FRAMEGATE_PORT", "7001", "FRAMEGATE_REPOSITORY", "/from/env");
    ServeConfig fromEnv = ServeConfig.resolve(NONE, file, env);
    assertEquals(7001, fromEnv.port());
    assertEquals(Path.of("/from/env"), fromEnv.repository());
    assertEquals(9002, fromEnv.metricsPort());

    ServeConfig fromCli =
        ServeConfig.resolve(
            new ServeConfig.Overrides(Path.of("/cli"), "127.0.0.1", 6001, 0, "big"), file, env);
    assertEquals(Path.of("/cli"), fromCli.repository());
    assertEquals(6001, fromCli.port());
    assertEquals(0, fromCli.metricsPort());
    assertEquals("big", fromCli.profile());
    assertEquals("127.0.0.1", fromCli.host());

    ServeConfig defaults =
        ServeConfig.resolve(
            new ServeConfig.Overrides(Path.of("/r"), null, null, null, null), null, Map.of());
    assertEquals(ServeConfig.DEFAULT_PORT, defaults.port());
    assertEquals(ServeConfig.DEFAULT_METRICS_PORT, defaults.metricsPort());
    assertNull(defaults.profile());
  }

  @Test
  void badSettingsSayWhichAndWhere() throws Exception {
    assertTrue(
        assertThrows(ConfigException.class, () -> ServeConfig.resolve(NONE, null, Map.of()))
            .getMessage()
            .contains("--repository"));
    assertTrue(
        assertThrows(
                ConfigException.class,
                () ->
                    ServeConfig.resolve(
                        NONE, null, Map.of("FRAMEGATE_REPOSITORY", "/r", "FRAMEGATE_PORT", "http")))
            .getMessage()
            .contains("FRAMEGATE_PORT"));
    assertTrue(
        assertThrows(
                ConfigException.class,
                () -> new ServeConfig(Path.of("/r"), "0.0.0.0", 8001, 8001, null, Duration.ZERO))
            .getMessage()
            .contains("both 8001"));
    assertTrue(
        assertThrows(
                ConfigException.class,
                () -> new ServeConfig(Path.of("/r"), "0.0.0.0", 70000, 8002, null, Duration.ZERO))
            .getMessage()
            .contains("65535"));
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "prot: 8001\n");
    ConfigException e =
        assertThrows(ConfigException.class, () -> ServeConfig.resolve(NONE, file, Map.of()));
    assertTrue(
        e.getMessage().contains("bad.yaml") && e.getMessage().contains("'prot'"), e.getMessage());
  }
}
