package io.framegate.accelerator.error;

/** An input tensor or frame that does not fit the model (missing, wrong shape, wrong size). */
public final class InvalidInputException extends FramegateException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
