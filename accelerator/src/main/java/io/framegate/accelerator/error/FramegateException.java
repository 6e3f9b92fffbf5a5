package io.framegate.accelerator.error;

/**
 * The one exception family of the engine and the pipeline. Each subtype is a distinct cause that
 * the gateway maps to one gRPC status and the CLI to one exit code.
 */
public abstract sealed class FramegateException extends RuntimeException
    permits InvalidModelException,
        InvalidInputException,
        DeviceFailureException,
        CapacityExceededException,
        ShuttingDownException {

  protected FramegateException(String message) {
    super(message);
  }

  protected FramegateException(String message, Throwable cause) {
    super(message, cause);
  }
}
