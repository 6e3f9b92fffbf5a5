package io.framegate.accelerator.error;

/**
 * A model's queue is full: the frame was refused at once instead of growing memory. The client may
 * retry later or send fewer frames.
 */
public final class CapacityExceededException extends FramegateException {
  public CapacityExceededException(String message) {
    super(message);
  }
}
