package io.framegate.pipeline.ingest;

/** How a frame's bytes encode its pixels. */
public enum Encoding {
  /** Interleaved 8-bit R, G, B; {@code width·height·3} bytes, rows top to bottom. */
  RAW_RGB24(3),
  /** Interleaved 8-bit B, G, R, as OpenCV hands frames over. */
  RAW_BGR24(3),
  /** One 8-bit channel, {@code width·height} bytes. */
  GRAY8(1),
  JPEG(0),
  PNG(0),
  /**
   * Little-endian float32 planes in the model's channel order, already normalised; {@code
   * channels·height·width·4} bytes. Resized if its size differs from the model's, never rescaled.
   */
  FP32_CHW(0);

  private final int rawChannels;

  Encoding(int rawChannels) {
    this.rawChannels = rawChannels;
  }

  /** Bytes per pixel of an uncompressed 8-bit encoding; 0 for the others. */
  public int rawChannels() {
    return rawChannels;
  }

  public boolean compressed() {
    return this == JPEG || this == PNG;
  }
}
