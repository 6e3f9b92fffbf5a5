package io.framegate.accelerator.kernel;

/** Data movement: strided gathers (Transpose, Slice, Expand), Pad, Concat blocks and Gather. */
public final class LayoutKernels {
  private LayoutKernels() {}

  /** Pad modes. */
  public static final int PAD_CONSTANT = 0;

  /** Mirror without repeating the edge: [a b c] → [c b | a b c | b a]. */
  public static final int PAD_REFLECT = 1;

  /** Replicate the edge: [a b c] → [a a | a b c | c c]. */
  public static final int PAD_EDGE = 2;

  /**
   * Y(i) = X(off + Σ_d idx_d(i)·s_d), idx(i) = i unravelled in the output shape; g = [r, off,
   * shape(r), strides(r)], strides may be 0 or negative; range = output size.
   */
  public static void gather(float[] x, float[] y, int[] g, int lo, int hi) {
    int rank = g[0];
    int offset = g[1];
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int rem = i;
      int src = offset;
      for (int d = rank - 1; d >= 0; d--) {
        int size = g[2 + d];
        src += (rem % size) * g[2 + rank + d];
        rem /= size;
      }
      y[i] = x[src];
    }
  }

  /**
   * Y(idx) = X(idx − P) where in range, else by mode: constant value, reflect, or edge; g = [r,
   * outShape(r), inShape(r), beginPads(r)] with negative pads cropping; range = output size.
   */
  public static void pad(float[] x, float[] y, int[] g, int mode, float[] value, int lo, int hi) {
    int rank = g[0];
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int i = lo + item;
      int rem = i;
      int src = 0;
      int stride = 1;
      int outside = 0;
      for (int d = rank - 1; d >= 0; d--) {
        int outSize = g[1 + d];
        int inSize = g[1 + rank + d];
        int p = rem % outSize - g[1 + 2 * rank + d];
        rem /= outSize;
        if (p < 0 || p >= inSize) {
          if (mode == PAD_EDGE) {
            p = Math.min(Math.max(p, 0), inSize - 1);
          } else if (mode == PAD_REFLECT) {
            // Reflection is periodic with period 2(n−1); fold into one period, then mirror.
            int period = 2 * (inSize - 1);
            if (period == 0) {
              p = 0;
            } else {
              p = p % period;
              if (p < 0) {
                p += period;
              }
              if (p >= inSize) {
                p = period - p;
              }
            }
          } else {
            outside = 1;
          }
        }
        src += p * stride;
        stride *= inSize;
      }
      y[i] = outside != 0 ? value[0] : x[src];
    }
  }

  /** Y(o·dstStride + dstOffset + e) = X(o·blockLength + e); range o ∈ [0, blocks). */
  public static void copyBlocks(
      float[] x, float[] y, int blockLength, int dstStride, int dstOffset, int lo, int hi) {
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int o = lo + item;
      int src = o * blockLength;
      int dst = o * dstStride + dstOffset;
      for (int e = 0; e < blockLength; e++) {
        y[dst + e] = x[src + e];
      }
    }
  }

  /**
   * Y(o, j, in) = X(o, idx(j), in) with x = [outer][axisLength][inner], indices already in [0,
   * axisLength); range r ∈ [0, outer·indices.length), r = o·indices.length + j.
   */
  public static void gatherAxis(
      float[] x, float[] y, int[] indices, int axisLength, int inner, int lo, int hi) {
    int count = indices.length;
    for (@Parallel int item = 0; item < hi - lo; item++) {
      int r = lo + item;
      int src = ((r / count) * axisLength + indices[r % count]) * inner;
      int dst = r * inner;
      for (int e = 0; e < inner; e++) {
        y[dst + e] = x[src + e];
      }
    }
  }
}
