package io.framegate.accelerator.error;

/**
 * A device or its driver failed to compile or run a plan; callers may re-run on the JVM backend.
 */
public final class DeviceFailureException extends FramegateException {
  public DeviceFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
