package io.framegate.accelerator.error;

/** The server is closing: frames already accepted still finish, new ones are refused. */
public final class ShuttingDownException extends FramegateException {
  public ShuttingDownException(String message) {
    super(message);
  }
}
