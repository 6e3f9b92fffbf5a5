package io.framegate.gateway.config;

/** A configuration file or setting that cannot be used; the message names the file and field. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
