package io.framegate.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.error.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

  private static final float TOL = 1e-4f;

  /** Interleaved RGB bytes of a seeded random image. */
  private static byte[] randomRgb(int w, int h, long seed) {
    byte[] b = new byte[w * h * 3];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * The expected value written independently of the code under test: bilinear sampling with
   * half-pixel centres, clamped at the borders, in double precision, then normalised.
   */
  private static double sample(double[][] img, int outH, int outW, int y, int x) {
    int h = img.length;
    int w = img[0].length;
    double sy = Math.min(Math.max((y + 0.5) * h / outH - 0.5, 0), h - 1);
    double sx = Math.min(Math.max((x + 0.5) * w / outW - 0.5, 0), w - 1);
    int y0 = (int) Math.floor(sy);
    int x0 = (int) Math.floor(sx);
    int y1 = Math.min(y0 + 1, h - 1);
    int x1 = Math.min(x0 + 1, w - 1);
    double a = sy - y0;
    double b = sx - x0;
    return img[y0][x0] * (1 - a) * (1 - b)
        + img[y0][x1] * (1 - a) * b
        + img[y1][x0] * a * (1 - b)
        + img[y1][x1] * a * b;
  }

  private static double[][] plane(byte[] rgb, int w, int h, int channel) {
    double[][] p = new double[h][w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        p[y][x] = rgb[(y * w + x) * 3 + channel] & 0xff;
      }
    }
    return p;
  }

  private static float[] expectedChw(byte[] rgb, int w, int h, ModelInputSpec spec) {
    float[] out = new float[spec.frameSize()];
    float[] mean = spec.mean();
    float[] std = spec.std();
    for (int c = 0; c < 3; c++) {
      int src = spec.channelOrder() == ChannelOrder.RGB ? c : 2 - c;
      double[][] p = plane(rgb, w, h, src);
      for (int y = 0; y < spec.height(); y++) {
        for (int x = 0; x < spec.width(); x++) {
          double v = sample(p, spec.height(), spec.width(), y, x);
          out[(c * spec.height() + y) * spec.width() + x] = (float) ((v / 255 - mean[c]) / std[c]);
        }
      }
    }
    return out;
  }

  private static float[] run(EncodedImage img, ModelInputSpec spec) {
    float[] dst = new float[spec.frameSize()];
    Preprocessor.toChw(img, spec, dst, 0);
    return dst;
  }

  private static void assertClose(float[] expected, float[] actual, float tol) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      if (Math.abs(expected[i] - actual[i]) > tol) {
        throw new AssertionError(
            "element " + i + ": expected " + expected[i] + " but was " + actual[i]);
      }
    }
  }

  @Test
  void upscalesLikeOpenCvOnAHandWorkedRow() {
    // One row [0, 100] to width 4 samples at -0.25→0, 0.25, 0.75, 1.25→1: 0, 25, 75, 100.
    ModelInputSpec spec = ModelInputSpec.unitRange("x", 1, 1, 4, ChannelOrder.RGB);
    float[] out = run(EncodedImage.of(Encoding.GRAY8, 2, 1, new byte[] {0, 100}), spec);
    assertClose(new float[] {0f, 25f / 255, 75f / 255, 100f / 255}, out, 1e-6f);
  }

  @Test
  void resizeMatchesDirectComputationUpAndDown() {
    int w = 37;
    int h = 23;
    byte[] rgb = randomRgb(w, h, 11);
    // Height grows (23 → 29), width shrinks (37 → 16): both branches of the clamp are used.
    for (ChannelOrder order : ChannelOrder.values()) {
      ModelInputSpec spec =
          new ModelInputSpec(
              "x",
              3,
              29,
              16,
              order,
              new float[] {0.485f, 0.456f, 0.406f},
              new float[] {0.229f, 0.224f, 0.225f});
      float[] out = run(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb), spec);
      assertClose(expectedChw(rgb, w, h, spec), out, TOL);
    }
  }

  @Test
  void sameSizeIsExactNormalisationInModelChannelOrder() {
    int w = 13;
    int h = 7;
    byte[] rgb = randomRgb(w, h, 3);
    ModelInputSpec spec = ModelInputSpec.imagenet("x", h, w);
    float[] out = run(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb), spec);
    float[] mean = spec.mean();
    float[] std = spec.std();
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < w * h; i++) {
        float want = ((rgb[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
        assertEquals(want, out[c * w * h + i], 1e-5f);
      }
    }
  }

  @Test
  void bgrFramesGiveTheSameTensorAsRgbFrames() {
    int w = 19;
    int h = 11;
    byte[] rgb = randomRgb(w, h, 5);
    byte[] bgr = rgb.clone();
    for (int i = 0; i < w * h; i++) {
      bgr[i * 3] = rgb[i * 3 + 2];
      bgr[i * 3 + 2] = rgb[i * 3];
    }
    for (ChannelOrder order : ChannelOrder.values()) {
      ModelInputSpec spec =
          new ModelInputSpec(
              "x", 3, 8, 9, order, new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.6f, 0.7f});
      assertArrayEquals(
          run(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb), spec),
          run(EncodedImage.of(Encoding.RAW_BGR24, w, h, bgr), spec));
    }
  }

  @Test
  void greyFramesFillEveryChannelAndColourFramesBecomeLuma() {
    int w = 9;
    int h = 5;
    byte[] grey = new byte[w * h];
    new Random(8).nextBytes(grey);
    ModelInputSpec rgbSpec = ModelInputSpec.unitRange("x", 3, h, w, ChannelOrder.RGB);
    float[] out = run(EncodedImage.of(Encoding.GRAY8, w, h, grey), rgbSpec);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < w * h; i++) {
        assertEquals((grey[i] & 0xff) / 255f, out[c * w * h + i], 1e-6f);
      }
    }

    byte[] rgb = randomRgb(w, h, 9);
    ModelInputSpec greySpec = ModelInputSpec.unitRange("x", 1, h, w, ChannelOrder.RGB);
    float[] luma = run(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb), greySpec);
    for (int i = 0; i < w * h; i++) {
      double y =
          0.299 * (rgb[i * 3] & 0xff)
              + 0.587 * (rgb[i * 3 + 1] & 0xff)
              + 0.114 * (rgb[i * 3 + 2] & 0xff);
      assertEquals(y / 255, luma[i], 1e-5);
    }
  }

  @Test
  void writesOnlyItsSlotOfTheBatchBuffer() {
    ModelInputSpec spec = ModelInputSpec.unitRange("x", 3, 4, 5, ChannelOrder.RGB);
    float[] batch = new float[spec.frameSize() * 3];
    Arrays.fill(batch, -7f);
    byte[] rgb = randomRgb(6, 6, 1);
    Preprocessor.toChw(
        EncodedImage.of(Encoding.RAW_RGB24, 6, 6, rgb), spec, batch, spec.frameSize());
    for (int i = 0; i < spec.frameSize(); i++) {
      assertEquals(-7f, batch[i]);
      assertEquals(-7f, batch[2 * spec.frameSize() + i]);
    }
    assertArrayEquals(
        run(EncodedImage.of(Encoding.RAW_RGB24, 6, 6, rgb), spec),
        Arrays.copyOfRange(batch, spec.frameSize(), 2 * spec.frameSize()));
  }

  private static BufferedImage image(byte[] rgb, int w, int h, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        int argb =
            0xff000000 | (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
        img.setRGB(x, y, argb);
      }
    }
    return img;
  }

  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
    return out.toByteArray();
  }

  @Test
  void pngDecodesToTheSamePixelsAsRawFrames() throws IOException {
    int w = 21;
    int h = 17;
    byte[] rgb = randomRgb(w, h, 21);
    ModelInputSpec spec = ModelInputSpec.imagenet("x", 12, 15);
    float[] want = run(EncodedImage.of(Encoding.RAW_RGB24, w, h, rgb), spec);
    for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR}) {
      byte[] png = encode(image(rgb, w, h, type), "png");
      assertArrayEquals(want, run(EncodedImage.of(Encoding.PNG, 0, 0, png), spec));
      assertArrayEquals(want, run(EncodedImage.of(Encoding.PNG, w, h, png), spec));
    }
    // A palette PNG takes the conversion path; its colours are the palette's, so compare with
    // the image read back through ImageIO.
    byte[] indexed = encode(image(rgb, w, h, BufferedImage.TYPE_BYTE_INDEXED), "png");
    assertArrayEquals(
        run(EncodedImage.of(Encoding.RAW_RGB24, w, h, readBack(indexed)), spec),
        run(EncodedImage.of(Encoding.PNG, 0, 0, indexed), spec));
  }

  @Test
  void greyPngFeedsEveryChannel() throws IOException {
    int w = 8;
    int h = 6;
    byte[] grey = new byte[w * h];
    new Random(4).nextBytes(grey);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, w, h, grey);
    ModelInputSpec spec = ModelInputSpec.unitRange("x", 3, 5, 7, ChannelOrder.BGR);
    assertArrayEquals(
        run(EncodedImage.of(Encoding.GRAY8, w, h, grey), spec),
        run(EncodedImage.of(Encoding.PNG, w, h, encode(img, "png")), spec));
  }

  /** RGB bytes of an encoded image as ImageIO decodes it. */
  private static byte[] readBack(byte[] encoded) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
    byte[] rgb = new byte[img.getWidth() * img.getHeight() * 3];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        int i = (y * img.getWidth() + x) * 3;
        rgb[i] = (byte) (p >> 16);
        rgb[i + 1] = (byte) (p >> 8);
        rgb[i + 2] = (byte) p;
      }
    }
    return rgb;
  }

  @Test
  void jpegDecodesToWhatImageIoReads() throws IOException {
    int w = 33;
    int h = 27;
    byte[] jpeg = encode(image(randomRgb(w, h, 33), w, h, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    ModelInputSpec spec = ModelInputSpec.imagenet("x", 16, 16);
    assertClose(
        run(EncodedImage.of(Encoding.RAW_RGB24, w, h, readBack(jpeg)), spec),
        run(EncodedImage.of(Encoding.JPEG, w, h, jpeg), spec),
        1e-5f);
  }

  private static byte[] floatsLe(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  @Test
  void fp32FramesAreCopiedOrResizedButNotRescaled() {
    ModelInputSpec spec = ModelInputSpec.imagenet("x", 6, 10);
    Random r = new Random(2);
    float[] same = new float[spec.frameSize()];
    for (int i = 0; i < same.length; i++) {
      same[i] = (float) r.nextGaussian();
    }
    assertArrayEquals(same, run(EncodedImage.of(Encoding.FP32_CHW, 10, 6, floatsLe(same)), spec));

    int w = 7;
    int h = 9;
    float[] src = new float[3 * h * w];
    for (int i = 0; i < src.length; i++) {
      src[i] = (float) r.nextGaussian();
    }
    float[] out = run(EncodedImage.of(Encoding.FP32_CHW, w, h, floatsLe(src)), spec);
    for (int c = 0; c < 3; c++) {
      double[][] p = new double[h][w];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          p[y][x] = src[(c * h + y) * w + x];
        }
      }
      for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 10; x++) {
          assertEquals(sample(p, 6, 10, y, x), out[(c * 6 + y) * 10 + x], 1e-5);
        }
      }
    }
  }

  @Test
  void readsFromTheBufferPositionWithoutMovingIt() {
    byte[] rgb = randomRgb(4, 3, 6);
    byte[] padded = new byte[rgb.length + 5];
    System.arraycopy(rgb, 0, padded, 5, rgb.length);
    ByteBuffer view = ByteBuffer.wrap(padded).position(5).asReadOnlyBuffer();
    ModelInputSpec spec = ModelInputSpec.unitRange("x", 3, 3, 4, ChannelOrder.RGB);
    assertArrayEquals(
        run(EncodedImage.of(Encoding.RAW_RGB24, 4, 3, rgb), spec),
        run(new EncodedImage(Encoding.RAW_RGB24, 4, 3, view), spec));
    assertEquals(5, view.position());
  }

  private static String rejected(EncodedImage img, ModelInputSpec spec) {
    return assertThrows(InvalidInputException.class, () -> run(img, spec)).getMessage();
  }

  @Test
  void badFramesAreRefusedWithTheReason() {
    ModelInputSpec spec = ModelInputSpec.imagenet("x", 8, 8);
    String m = rejected(EncodedImage.of(Encoding.RAW_RGB24, 4, 3, new byte[35]), spec);
    assertTrue(m.contains("needs 36 bytes") && m.contains("has 35"), m);
    m = rejected(EncodedImage.of(Encoding.GRAY8, 0, 3, new byte[0]), spec);
    assertTrue(m.contains("0x3") && m.contains("between 1 and 8192"), m);
    m = rejected(EncodedImage.of(Encoding.RAW_BGR24, 8193, 1, new byte[8193 * 3]), spec);
    assertTrue(m.contains("8193x1"), m);
    m = rejected(EncodedImage.of(Encoding.FP32_CHW, 2, 2, new byte[2 * 2 * 4]), spec);
    assertTrue(m.contains("needs 48 bytes"), m);
    m = rejected(EncodedImage.of(Encoding.JPEG, 0, 0, new byte[0]), spec);
    assertTrue(m.contains("no data"), m);
    m = rejected(EncodedImage.of(Encoding.JPEG, 0, 0, new byte[] {1, 2, 3, 4, 5}), spec);
    assertTrue(m.contains("not a readable JPEG"), m);
  }

  @Test
  void compressedFramesAreCheckedAgainstTheirHeader() throws IOException {
    ModelInputSpec spec = ModelInputSpec.imagenet("x", 8, 8);
    byte[] png = encode(image(randomRgb(5, 4, 1), 5, 4, BufferedImage.TYPE_3BYTE_BGR), "png");
    String m = rejected(EncodedImage.of(Encoding.PNG, 4, 5, png), spec);
    assertTrue(m.contains("declares 4x5") && m.contains("is 5x4"), m);
    // PNG bytes sent as JPEG are refused, not guessed.
    m = rejected(EncodedImage.of(Encoding.JPEG, 0, 0, png), spec);
    assertTrue(m.contains("not a readable JPEG"), m);
  }

  @Test
  void specRefusesImpossibleSettings() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelInputSpec.unitRange("x", 2, 8, 8, ChannelOrder.RGB));
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelInputSpec.unitRange("x", 3, 0, 8, ChannelOrder.RGB));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ModelInputSpec(
                    "x", 1, 8, 8, ChannelOrder.RGB, new float[] {0f}, new float[] {0f}));
    assertTrue(e.getMessage().contains("std"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ModelInputSpec(
                "x", 3, 8, 8, ChannelOrder.RGB, new float[] {0f}, new float[] {1f, 1f, 1f}));
  }
}
