package io.framegate.accelerator.vector;

/**
 * The blocked channel layout of the fast backend: a tensor N×C×H×W with C a multiple of the vector
 * length VL is stored as N×(C/VL)×H×W×VL, so that the VL channels of one position are one vector.
 * Depthwise convolutions and pooling then work a whole vector of channels at a time, and a
 * convolution reads its input in place instead of lowering it into a matrix. The float count is the
 * same as the plain layout's, and a tensor with one spatial position is laid out identically in
 * both. A tensor between direct convolutions only may also be stored blocked when C is not a
 * multiple of VL: its last block then has {@link #padded padding} lanes, and it takes more floats.
 *
 * <p>Element (n, c, i) of a blocked tensor with {@code hw} positions per channel is at {@code ((n ·
 * C'/VL + c / VL) · hw + i) · VL + c % VL}, C' being C rounded up to a multiple of VL.
 */
final class Blocked {
  private Blocked() {}

  /** The channel block: the vector length in floats. */
  static final int VL = Sgemm.VL;

  /** Whether a tensor with {@code c} channels fills whole channel blocks. */
  static boolean fits(int c) {
    return c > 0 && c % VL == 0;
  }

  /**
   * The channels a blocked tensor of {@code c} channels stores: c rounded up to whole blocks. Only
   * direct convolutions read and write a tensor whose last block is padded (see {@link
   * BlockedLayout}); they multiply its padding lanes by zero weights and write their own output's
   * from zero weights and bias.
   */
  static int padded(int c) {
    return (c + VL - 1) / VL * VL;
  }

  /**
   * Copies channel blocks [b0, b1) of the plain tensor {@code src} (blocks numbered n·C/VL + c/VL
   * over the whole batch) into the blocked layout.
   */
  static void toBlocked(float[] src, float[] dst, int hw, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      int base = b * hw * VL;
      for (int lane = 0; lane < VL; lane++) {
        int s = base + lane * hw;
        int d = base + lane;
        for (int i = 0; i < hw; i++, d += VL) {
          dst[d] = src[s + i];
        }
      }
    }
  }

  /** Copies channel blocks [b0, b1) of the blocked tensor {@code src} into the plain layout. */
  static void toPlain(float[] src, float[] dst, int hw, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      int base = b * hw * VL;
      for (int lane = 0; lane < VL; lane++) {
        int d = base + lane * hw;
        int s = base + lane;
        for (int i = 0; i < hw; i++, s += VL) {
          dst[d + i] = src[s];
        }
      }
    }
  }

  /**
   * Where element (img, ch, 0) of a blocked tensor of {@code c} channels and {@code hw} positions
   * per channel lies; element (img, ch, i) is VL·i floats further.
   */
  static int offset(int img, int c, int ch, int hw) {
    return (img * padded(c) + ch - ch % VL) * hw + ch % VL;
  }

  /**
   * A plain N×C×hw tensor in the blocked layout, as a new array (for tests): C need not fill whole
   * blocks, the padding lanes then being zeros.
   */
  static float[] blocked(float[] plain, int n, int c, int hw) {
    float[] out = new float[n * padded(c) * hw];
    for (int img = 0; img < n; img++) {
      for (int ch = 0; ch < c; ch++) {
        int s = (img * c + ch) * hw;
        int d = offset(img, c, ch, hw);
        for (int i = 0; i < hw; i++, d += VL) {
          out[d] = plain[s + i];
        }
      }
    }
    return out;
  }

  /** A blocked N×C×hw tensor in the plain layout, as a new array (the padding lanes dropped). */
  static float[] plain(float[] blocked, int n, int c, int hw) {
    float[] out = new float[n * c * hw];
    for (int img = 0; img < n; img++) {
      for (int ch = 0; ch < c; ch++) {
        int d = (img * c + ch) * hw;
        int s = offset(img, c, ch, hw);
        for (int i = 0; i < hw; i++, s += VL) {
          out[d + i] = blocked[s];
        }
      }
    }
    return out;
  }
}
