package io.framegate.hardware;

/**
 * A profile file that cannot be used; the message names the file, the field and what is allowed.
 */
public final class InvalidProfileException extends RuntimeException {
  public InvalidProfileException(String message) {
    super(message);
  }

  public InvalidProfileException(String message, Throwable cause) {
    super(message, cause);
  }
}
