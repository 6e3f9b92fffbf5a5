package io.framegate.pipeline.ingest;

import java.nio.ByteBuffer;

/**
 * Bilinear resampling with half-pixel centres ("align corners = false"), the convention of OpenCV's
 * {@code INTER_LINEAR} and of ONNX Resize's {@code half_pixel} mode: an output pixel {@code x}
 * samples the source at {@code (x+½)·S/D − ½}, clamped to the image. There is no anti-aliasing
 * filter when shrinking, as in OpenCV (PIL's resize filters more widely).
 *
 * <p>Each kernel writes one output plane and folds the affine normalisation {@code v·scale + bias}
 * into the same pass, so a frame reaches its batch slot in one write.
 */
public final class Resize {
  private Resize() {}

  /**
   * The two source indices and the weight of the second for every output index along one axis.
   *
   * @param lo lower source index
   * @param hi upper source index ({@code lo+1}, or {@code lo} at the last pixel)
   * @param frac weight of {@code hi}; {@code 1−frac} is the weight of {@code lo}
   */
  public record Taps(int[] lo, int[] hi, float[] frac) {

    /** src = (d+½)·S/D − ½, clamped to [0, S−1]; lo = ⌊src⌋, hi = min(lo+1, S−1). */
    public static Taps of(int srcLen, int dstLen) {
      int[] lo = new int[dstLen];
      int[] hi = new int[dstLen];
      float[] frac = new float[dstLen];
      double scale = (double) srcLen / dstLen;
      for (int d = 0; d < dstLen; d++) {
        double s = (d + 0.5) * scale - 0.5;
        if (s < 0) {
          s = 0;
        }
        int l = (int) s;
        if (l >= srcLen - 1) {
          l = srcLen - 1;
          s = l;
        }
        lo[d] = l;
        hi[d] = Math.min(l + 1, srcLen - 1);
        frac[d] = (float) (s - l);
      }
      return new Taps(lo, hi, frac);
    }
  }

  /**
   * One plane from interleaved 8-bit pixels: D(y,x) = scale·[(1−a)(1−b)·S(y0,x0) + (1−a)b·S(y0,x1)
   * + a(1−b)·S(y1,x0) + ab·S(y1,x1)] + bias, where S(r,c) = src[r·rowStride + c·pixelStride +
   * channelOffset] as an unsigned byte, a = rows.frac[y], b = cols.frac[x].
   */
  public static void bilinearBytes(
      ByteBuffer src,
      int rowStride,
      int pixelStride,
      int channelOffset,
      Taps rows,
      Taps cols,
      float scale,
      float bias,
      float[] dst,
      int dstOffset) {
    int dstH = rows.lo.length;
    int dstW = cols.lo.length;
    int[] x0 = cols.lo;
    int[] x1 = cols.hi;
    float[] fx = cols.frac;
    for (int y = 0; y < dstH; y++) {
      int r0 = rows.lo[y] * rowStride + channelOffset;
      int r1 = rows.hi[y] * rowStride + channelOffset;
      float a = rows.frac[y];
      int o = dstOffset + y * dstW;
      for (int x = 0; x < dstW; x++) {
        int c0 = x0[x] * pixelStride;
        int c1 = x1[x] * pixelStride;
        float b = fx[x];
        float top = (src.get(r0 + c0) & 0xff) * (1 - b) + (src.get(r0 + c1) & 0xff) * b;
        float bottom = (src.get(r1 + c0) & 0xff) * (1 - b) + (src.get(r1 + c1) & 0xff) * b;
        dst[o + x] = (top * (1 - a) + bottom * a) * scale + bias;
      }
    }
  }

  /**
   * One plane from a float plane of width {@code srcW}: the same sum as {@link #bilinearBytes} with
   * S(r,c) = src[srcOffset + r·srcW + c].
   */
  public static void bilinearFloats(
      float[] src,
      int srcOffset,
      int srcW,
      Taps rows,
      Taps cols,
      float scale,
      float bias,
      float[] dst,
      int dstOffset) {
    int dstH = rows.lo.length;
    int dstW = cols.lo.length;
    int[] x0 = cols.lo;
    int[] x1 = cols.hi;
    float[] fx = cols.frac;
    for (int y = 0; y < dstH; y++) {
      int r0 = srcOffset + rows.lo[y] * srcW;
      int r1 = srcOffset + rows.hi[y] * srcW;
      float a = rows.frac[y];
      int o = dstOffset + y * dstW;
      for (int x = 0; x < dstW; x++) {
        float b = fx[x];
        float top = src[r0 + x0[x]] * (1 - b) + src[r0 + x1[x]] * b;
        float bottom = src[r1 + x0[x]] * (1 - b) + src[r1 + x1[x]] * b;
        dst[o + x] = (top * (1 - a) + bottom * a) * scale + bias;
      }
    }
  }
}
