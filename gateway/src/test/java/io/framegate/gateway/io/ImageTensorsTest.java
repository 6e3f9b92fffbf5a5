package io.framegate.gateway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.error.InvalidModelException;
import io.framegate.accelerator.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTensorsTest {

  @Test
  void sameSizeIsPixelsOverTwoFiftyFiveInChwOrder(@TempDir Path dir) throws Exception {
    BufferedImage img = randomImage(11, 7, 1);
    Path png = dir.resolve("same.png");
    ImageIO.write(img, "png", png.toFile());
    Tensor t = ImageTensors.toTensor(ImageTensors.read(png), 1, 7, 11, Normalization.identity(3));
    assertArrayEquals(new int[] {1, 3, 7, 11}, t.shape());
    float[] v = t.floats();
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 7; y++) {
        for (int x = 0; x < 11; x++) {
          int rgb = img.getRGB(x, y);
          int channel = c == 0 ? rgb >> 16 & 0xff : c == 1 ? rgb >> 8 & 0xff : rgb & 0xff;
          assertEquals(channel / 255f, v[(c * 7 + y) * 11 + x], 1e-6f);
        }
      }
    }
  }

  @Test
  void resizesBilinearlyAndNormalisesLikeADirectComputation(@TempDir Path dir) throws Exception {
    int[][] sizes = {{13, 10, 5, 9}, {7, 5, 16, 11}, {3, 1, 4, 6}}; // in W, H -> out H, W
    for (int[] s : sizes) {
      BufferedImage img = randomImage(s[0], s[1], s[0] * 31 + s[1]);
      Path png = dir.resolve("img" + s[0] + ".png");
      ImageIO.write(img, "png", png.toFile());
      int outH = s[2];
      int outW = s[3];
      Normalization norm =
          Normalization.fromMetadata(
              Map.of("framegate.mean", "0.485, 0.456,0.406", "framegate.std", "0.229,0.224,0.225"),
              3);
      Tensor t = ImageTensors.toTensor(ImageTensors.read(png), 2, outH, outW, norm);
      assertArrayEquals(new int[] {2, 3, outH, outW}, t.shape());
      double[] mean = {0.485, 0.456, 0.406};
      double[] std = {0.229, 0.224, 0.225};
      float[] v = t.floats();
      for (int b = 0; b < 2; b++) {
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
              double expected = (bilinear(img, c, y, x, outH, outW) / 255 - mean[c]) / std[c];
              float actual = v[((b * 3 + c) * outH + y) * outW + x];
              assertEquals(expected, actual, 1e-4, "at " + c + "," + y + "," + x);
            }
          }
        }
      }
    }
  }

  @Test
  void readsJpegToo(@TempDir Path dir) throws Exception {
    BufferedImage img = new BufferedImage(9, 9, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 9; y++) {
      for (int x = 0; x < 9; x++) {
        img.setRGB(x, y, 0x80_40_c0);
      }
    }
    Path jpg = dir.resolve("flat.jpg");
    ImageIO.write(img, "jpg", jpg.toFile());
    float[] v =
        ImageTensors.toTensor(ImageTensors.read(jpg), 1, 3, 3, Normalization.identity(3)).floats();
    // a flat colour survives JPEG almost exactly
    assertEquals(0x80 / 255f, v[0], 3 / 255f);
    assertEquals(0x40 / 255f, v[9], 3 / 255f);
    assertEquals(0xc0 / 255f, v[18], 3 / 255f);
  }

  @Test
  void rejectsFilesThatAreNotImages(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.png"), "not an image");
    String message =
        assertThrows(InvalidInputException.class, () -> ImageTensors.read(junk)).getMessage();
    assertTrue(message.contains("junk.png") && message.contains("not a JPEG or PNG"), message);
  }

  @Test
  void normalizationFromMetadata() {
    Normalization one = Normalization.fromMetadata(Map.of("framegate.mean", "0.5"), 3);
    assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, one.mean());
    assertArrayEquals(new float[] {1, 1, 1}, one.std());
    assertThrows(
        InvalidModelException.class,
        () -> Normalization.fromMetadata(Map.of("framegate.std", "1,2"), 3));
    assertThrows(
        InvalidModelException.class,
        () -> Normalization.fromMetadata(Map.of("framegate.std", "1,0,1"), 3));
    assertThrows(
        InvalidModelException.class,
        () -> Normalization.fromMetadata(Map.of("framegate.mean", "a,b,c"), 3));
  }

  /** Half-pixel-centre bilinear sample of one channel, in 0..255, written out directly. */
  private static double bilinear(BufferedImage img, int c, int y, int x, int outH, int outW) {
    int inW = img.getWidth();
    int inH = img.getHeight();
    double sy = Math.min(Math.max((y + 0.5) * inH / outH - 0.5, 0), inH - 1);
    double sx = Math.min(Math.max((x + 0.5) * inW / outW - 0.5, 0), inW - 1);
    int y0 = (int) Math.floor(sy);
    int x0 = (int) Math.floor(sx);
    int y1 = Math.min(y0 + 1, inH - 1);
    int x1 = Math.min(x0 + 1, inW - 1);
    double dy = sy - y0;
    double dx = sx - x0;
    return (1 - dy) * ((1 - dx) * channel(img, x0, y0, c) + dx * channel(img, x1, y0, c))
        + dy * ((1 - dx) * channel(img, x0, y1, c) + dx * channel(img, x1, y1, c));
  }

  private static int channel(BufferedImage img, int x, int y, int c) {
    return img.getRGB(x, y) >> (16 - 8 * c) & 0xff;
  }

  private static BufferedImage randomImage(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    return img;
  }
}
