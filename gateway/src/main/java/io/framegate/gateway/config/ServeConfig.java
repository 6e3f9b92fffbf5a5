package io.framegate.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How {@code framegate serve} runs. Each setting comes from, in order of precedence: the command
 * line, the environment ({@code FRAMEGATE_REPOSITORY}, {@code FRAMEGATE_HOST}, {@code
 * FRAMEGATE_PORT}, {@code FRAMEGATE_METRICS_PORT}, {@code FRAMEGATE_PROFILE}, {@code
 * FRAMEGATE_SHUTDOWN_GRACE_S}), the YAML file given with {@code --config}, the default.
 *
 * <pre>
 * repository: /models
 * host: 0.0.0.0
 * port: 8001
 * metrics_port: 8002        # 0 turns the metrics endpoint off
 * profile: edge
 * shutdown_grace_s: 30
 * </pre>
 */
public record ServeConfig(
    Path repository, String host, int port, int metricsPort, String profile, Duration grace) {

  public static final int DEFAULT_PORT = 8001;
  public static final int DEFAULT_METRICS_PORT = 8002;

  private static final Set<String> FIELDS =
      Set.of("repository", "host", "port", "metrics_port", "profile", "shutdown_grace_s");

  public ServeConfig {
    if (repository == null) {
      throw new ConfigException(
          "no model repository: pass --repository DIR, set FRAMEGATE_REPOSITORY or 'repository' in the config file");
    }
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new ConfigException("port must be between 0 and 65535, is " + port);
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new ConfigException("metrics port must be between 0 and 65535, is " + metricsPort);
    }
    if (metricsPort != 0 && metricsPort == port) {
      throw new ConfigException("the gRPC port and the metrics port are both " + port);
    }
    if (grace == null || grace.isNegative()) {
      throw new ConfigException("the shutdown grace must not be negative");
    }
    if (profile != null && profile.isBlank()) {
      profile = null;
    }
  }

  /** Values given on the command line; null where not given. */
  public record Overrides(
      Path repository, String host, Integer port, Integer metricsPort, String profile) {}

  /**
   * @param configFile null for none
   * @param env the process environment (a map in tests)
   */
  public static ServeConfig resolve(Overrides cli, Path configFile, Map<String, String> env) {
    YamlFields file = configFile == null ? null : YamlFields.read(configFile).allowOnly(FIELDS);
    String repo =
        pick(
            cli.repository() == null ? null : cli.repository().toString(),
            env.get("FRAMEGATE_REPOSITORY"),
            file == null ? null : file.string("repository", null));
    String host =
        pick(
            cli.host(), env.get("FRAMEGATE_HOST"), file == null ? null : file.string("host", null));
    int port = number(cli.port(), env, "FRAMEGATE_PORT", file, "port", DEFAULT_PORT);
    int metricsPort =
        number(
            cli.metricsPort(),
            env,
            "FRAMEGATE_METRICS_PORT",
            file,
            "metrics_port",
            DEFAULT_METRICS_PORT);
    String profile =
        pick(
            cli.profile(),
            env.get("FRAMEGATE_PROFILE"),
            file == null ? null : file.string("profile", null));
    int grace = number(null, env, "FRAMEGATE_SHUTDOWN_GRACE_S", file, "shutdown_grace_s", 30);
    return new ServeConfig(
        repo == null ? null : Path.of(repo),
        host == null ? "0.0.0.0" : host,
        port,
        metricsPort,
        profile,
        Duration.ofSeconds(grace));
  }

  private static String pick(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }

  private static int number(
      Integer cli,
      Map<String, String> env,
      String var,
      YamlFields file,
      String field,
      int fallback) {
    if (cli != null) {
      return cli;
    }
    String e = env.get(var);
    if (e != null && !e.isBlank()) {
      try {
        return Integer.parseInt(e.strip());
      } catch (NumberFormatException x) {
        throw new ConfigException(
            "environment variable " + var + " must be a whole number, is '" + e + "'");
      }
    }
    if (file != null) {
      return (int) file.integer(field, fallback, 0, Integer.MAX_VALUE);
    }
    return fallback;
  }
}
