package io.framegate.pipeline.ingest;

import java.nio.ByteBuffer;

/**
 * Decoded 8-bit pixels, interleaved, described by strides and the byte offset of each colour within
 * a pixel (all three equal for a grey image), so raw frames and decoded images are read where they
 * lie without repacking.
 */
record Pixels(
    ByteBuffer data,
    int width,
    int height,
    int rowStride,
    int pixelStride,
    int red,
    int green,
    int blue) {

  static Pixels rgb(ByteBuffer data, int width, int height) {
    return new Pixels(data, width, height, width * 3, 3, 0, 1, 2);
  }

  static Pixels bgr(ByteBuffer data, int width, int height) {
    return new Pixels(data, width, height, width * 3, 3, 2, 1, 0);
  }

  static Pixels gray(ByteBuffer data, int width, int height) {
    return new Pixels(data, width, height, width, 1, 0, 0, 0);
  }

  boolean isGray() {
    return red == green && green == blue;
  }
}
