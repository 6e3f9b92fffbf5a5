package io.framegate.accelerator.error;

/**
 * A model file that cannot be read, or a graph the engine cannot run; the message names the node.
 */
public final class InvalidModelException extends FramegateException {
  public InvalidModelException(String message) {
    super(message);
  }

  public InvalidModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
