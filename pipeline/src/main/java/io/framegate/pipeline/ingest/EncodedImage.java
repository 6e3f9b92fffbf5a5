package io.framegate.pipeline.ingest;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A frame as it arrived: its encoding, declared size and bytes. Nothing is checked here, so that a
 * bad frame becomes an error result in its stream's order rather than an exception at the caller;
 * {@link Preprocessor#validate} checks it. For JPEG and PNG a width or height of 0 means "take it
 * from the image".
 *
 * @param data the bytes from its position to its limit; not copied (a gRPC {@code ByteString}'s
 *     read-only view is fine) and never modified
 */
public record EncodedImage(Encoding encoding, int width, int height, ByteBuffer data) {

  public EncodedImage {
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(data, "data");
    // Index 0 is the first byte whatever the caller's buffer position.
    data = data.slice();
  }

  public static EncodedImage of(Encoding encoding, int width, int height, byte[] data) {
    return new EncodedImage(encoding, width, height, ByteBuffer.wrap(data));
  }

  @Override
  public ByteBuffer data() {
    return data.duplicate();
  }

  public int byteCount() {
    return data.remaining();
  }

  @Override
  public String toString() {
    return encoding + " " + width + "x" + height + " (" + data.remaining() + " bytes)";
  }
}
