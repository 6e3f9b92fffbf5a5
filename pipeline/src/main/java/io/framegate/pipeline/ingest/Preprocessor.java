package io.framegate.pipeline.ingest;

import io.framegate.accelerator.error.InvalidInputException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Turns one frame into the model's input: decode, resize to the model's H×W, normalise, order the
 * channels and write planar CHW floats straight into a batch buffer.
 */
public final class Preprocessor {
  private Preprocessor() {}

  /**
   * Checks what can be checked without decoding: sizes within limits and a byte count that fits the
   * encoding. Cheap enough to run before a frame is queued.
   *
   * @throws InvalidInputException saying what is wrong with the frame
   */
  public static void validate(EncodedImage image, ModelInputSpec spec) {
    Encoding enc = image.encoding();
    int w = image.width();
    int h = image.height();
    int min = enc.compressed() ? 0 : 1;
    if (w < min || h < min || w > ModelInputSpec.MAX_SIDE || h > ModelInputSpec.MAX_SIDE) {
      throw new InvalidInputException(
          enc
              + " frame size "
              + w
              + "x"
              + h
              + " is out of range: each side must be between "
              + min
              + " and "
              + ModelInputSpec.MAX_SIDE);
    }
    long have = image.byteCount();
    if (enc.compressed()) {
      if (have == 0) {
        throw new InvalidInputException(enc + " frame has no data");
      }
      return;
    }
    long need;
    String formula;
    if (enc == Encoding.FP32_CHW) {
      need = 4L * spec.channels() * h * w;
      formula = spec.channels() + "·height·width·4";
    } else {
      need = (long) enc.rawChannels() * h * w;
      formula = "width·height" + (enc.rawChannels() == 1 ? "" : "·" + enc.rawChannels());
    }
    if (have != need) {
      throw new InvalidInputException(
          enc
              + " frame of "
              + w
              + "x"
              + h
              + " needs "
              + need
              + " bytes ("
              + formula
              + "), has "
              + have);
    }
  }

  /**
   * Writes the frame's {@link ModelInputSpec#frameSize()} floats to {@code dst[offset...]}: plane c
   * holds {@code (x/255 − mean[c]) / std[c]} of the resized image's channel c in the spec's order.
   * A colour frame for a one-channel model is reduced to luma (0.299 R + 0.587 G + 0.114 B), a grey
   * frame for a three-channel model repeats its plane. FP32_CHW frames are only resized.
   *
   * @throws InvalidInputException if the frame is malformed or cannot be decoded
   */
  public static void toChw(EncodedImage image, ModelInputSpec spec, float[] dst, int offset) {
    validate(image, spec);
    if (offset < 0 || offset > dst.length - spec.frameSize()) {
      throw new IllegalArgumentException(
          "no room for a frame of "
              + spec.frameSize()
              + " floats at "
              + offset
              + " in a buffer of "
              + dst.length);
    }
    switch (image.encoding()) {
      case RAW_RGB24 ->
          write(Pixels.rgb(image.data(), image.width(), image.height()), spec, dst, offset);
      case RAW_BGR24 ->
          write(Pixels.bgr(image.data(), image.width(), image.height()), spec, dst, offset);
      case GRAY8 ->
          write(Pixels.gray(image.data(), image.width(), image.height()), spec, dst, offset);
      case JPEG, PNG -> write(ImageDecoder.decode(image), spec, dst, offset);
      case FP32_CHW -> writeFloats(image, spec, dst, offset);
    }
  }

  private static void write(Pixels p, ModelInputSpec spec, float[] dst, int offset) {
    Resize.Taps rows = Resize.Taps.of(p.height(), spec.height());
    Resize.Taps cols = Resize.Taps.of(p.width(), spec.width());
    float[] mean = spec.mean();
    float[] std = spec.std();
    int plane = spec.height() * spec.width();
    if (spec.channels() == 1 && !p.isGray()) {
      float[] luma = luma(p);
      Resize.bilinearFloats(
          luma, 0, p.width(), rows, cols, 1f / (255f * std[0]), -mean[0] / std[0], dst, offset);
      return;
    }
    int[] source =
        spec.channelOrder() == ChannelOrder.RGB
            ? new int[] {p.red(), p.green(), p.blue()}
            : new int[] {p.blue(), p.green(), p.red()};
    for (int c = 0; c < spec.channels(); c++) {
      // x/255·(1/std) − mean/std: the normalisation is affine, so it commutes with interpolation.
      Resize.bilinearBytes(
          p.data(),
          p.rowStride(),
          p.pixelStride(),
          source[c],
          rows,
          cols,
          1f / (255f * std[c]),
          -mean[c] / std[c],
          dst,
          offset + c * plane);
    }
  }

  private static float[] luma(Pixels p) {
    float[] out = new float[p.width() * p.height()];
    var d = p.data();
    for (int y = 0; y < p.height(); y++) {
      for (int x = 0; x < p.width(); x++) {
        int i = y * p.rowStride() + x * p.pixelStride();
        out[y * p.width() + x] =
            0.299f * (d.get(i + p.red()) & 0xff)
                + 0.587f * (d.get(i + p.green()) & 0xff)
                + 0.114f * (d.get(i + p.blue()) & 0xff);
      }
    }
    return out;
  }

  private static void writeFloats(
      EncodedImage image, ModelInputSpec spec, float[] dst, int offset) {
    FloatBuffer src = image.data().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    int w = image.width();
    int h = image.height();
    if (w == spec.width() && h == spec.height()) {
      src.get(0, dst, offset, spec.frameSize());
      return;
    }
    float[] planes = new float[spec.channels() * h * w];
    src.get(0, planes);
    Resize.Taps rows = Resize.Taps.of(h, spec.height());
    Resize.Taps cols = Resize.Taps.of(w, spec.width());
    int plane = spec.height() * spec.width();
    for (int c = 0; c < spec.channels(); c++) {
      Resize.bilinearFloats(planes, c * h * w, w, rows, cols, 1f, 0f, dst, offset + c * plane);
    }
  }
}
