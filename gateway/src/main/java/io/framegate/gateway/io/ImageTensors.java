package io.framegate.gateway.io;

import io.framegate.accelerator.error.InvalidInputException;
import io.framegate.accelerator.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns a JPEG or PNG image into a model input: bilinear resize to the model's H×W, RGB planes
 * (CHW), values scaled to [0, 1], then the model's {@link Normalization}.
 */
public final class ImageTensors {
  private ImageTensors() {}

  /** Decodes a JPEG or PNG file; every problem is an {@link InvalidInputException}. */
  public static BufferedImage read(Path file) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new InvalidInputException(file + ": cannot decode image: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new InvalidInputException(file + ": not a JPEG or PNG image (nor a .npy file)");
    }
    return image;
  }

  /**
   * A {@code [batch, 3, height, width]} tensor holding the image {@code batch} times.
   *
   * @param normalization three channels, applied after scaling to [0, 1]
   */
  public static Tensor toTensor(
      BufferedImage image, int batch, int height, int width, Normalization normalization) {
    if (normalization.channels() != 3) {
      throw new IllegalArgumentException("an RGB image needs a 3-channel normalization");
    }
    int plane = height * width;
    float[] one = new float[3 * plane];
    resizeRgb(image, height, width, one);
    float[] mean = normalization.mean();
    float[] std = normalization.std();
    for (int c = 0; c < 3; c++) {
      // x' = (x/255 − mean[c]) / std[c]
      float scale = 1f / (255f * std[c]);
      float shift = mean[c] / std[c];
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        one[i] = one[i] * scale - shift;
      }
    }
    float[] data = new float[batch * one.length];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(one, 0, data, b * one.length, one.length);
    }
    return Tensor.of(data, batch, 3, height, width);
  }

  /**
   * Bilinear resampling with half-pixel centres (as OpenCV's INTER_LINEAR, without anti-aliasing):
   * source coordinate {@code s = (d + ½)·in/out − ½}, clamped to the image, and {@code O(y,x) = Σ
   * w_y·w_x·I(y_i, x_j)} over the two nearest rows and columns. Writes 0..255 values into the R, G
   * and B planes of {@code out}.
   */
  static void resizeRgb(BufferedImage image, int height, int width, float[] out) {
    int inW = image.getWidth();
    int inH = image.getHeight();
    // getRGB converts any colour model (grey, palette, 16-bit, alpha) to 8-bit sRGB
    int[] argb = image.getRGB(0, 0, inW, inH, null, 0, inW);
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    float[] fx = new float[width];
    for (int x = 0; x < width; x++) {
      float s = source(x, inW, width);
      x0[x] = (int) s;
      x1[x] = Math.min(x0[x] + 1, inW - 1);
      fx[x] = s - x0[x];
    }
    int plane = height * width;
    for (int y = 0; y < height; y++) {
      float s = source(y, inH, height);
      int y0 = (int) s;
      int y1 = Math.min(y0 + 1, inH - 1);
      float fy = s - y0;
      int row0 = y0 * inW;
      int row1 = y1 * inW;
      for (int x = 0; x < width; x++) {
        int p00 = argb[row0 + x0[x]];
        int p01 = argb[row0 + x1[x]];
        int p10 = argb[row1 + x0[x]];
        int p11 = argb[row1 + x1[x]];
        float w00 = (1 - fy) * (1 - fx[x]);
        float w01 = (1 - fy) * fx[x];
        float w10 = fy * (1 - fx[x]);
        float w11 = fy * fx[x];
        int o = y * width + x;
        for (int c = 0; c < 3; c++) {
          int shift = 16 - 8 * c; // R, G, B bytes of ARGB
          out[c * plane + o] =
              w00 * (p00 >> shift & 0xff)
                  + w01 * (p01 >> shift & 0xff)
                  + w10 * (p10 >> shift & 0xff)
                  + w11 * (p11 >> shift & 0xff);
        }
      }
    }
  }

  private static float source(int d, int in, int out) {
    float s = (d + 0.5f) * in / out - 0.5f;
    return Math.clamp(s, 0f, in - 1);
  }
}
