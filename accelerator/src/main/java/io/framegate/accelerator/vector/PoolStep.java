package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 1-D or 2-D MaxPool or AveragePool, one plane at a time: the plane is copied into scratch padded
 * and phase-split as for {@link DepthwiseKernels} (padding −∞ for max, 0 for average), so each
 * window tap of a row of outputs is one contiguous vector load. The geometry's M is C and its
 * groups are C; planes are handed out to the workers one at a time.
 */
final class PoolStep implements Step {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] y;
  private final boolean max;

  /** Average: the divisor's row factor per output row and column factor per output column. */
  private final float[] rowCount;

  private final float[] colCount;

  private final Workspace ws;
  private final Loops.Range body;

  /**
   * @param padEndH end padding of the rows (it only matters to the divisor)
   * @param includePad average: padded positions count in the divisor
   */
  PoolStep(
      ConvGeometry g,
      float[] x,
      float[] y,
      boolean max,
      int padEndH,
      int padEndW,
      boolean includePad,
      Workspace ws) {
    this.g = g;
    this.x = x;
    this.y = y;
    this.max = max;
    this.ws = ws;
    // the reference divides by the product of per-axis tap counts; both factors are small integers,
    // so their float product is the same exact value
    this.rowCount = new float[g.oh()];
    for (int r = 0; r < g.oh(); r++) {
      rowCount[r] = taps(r * g.sh() - g.ph(), g.dh(), g.kh(), g.h(), g.ph(), padEndH, includePad);
    }
    this.colCount = new float[(g.ow() + VL - 1) / VL * VL];
    java.util.Arrays.fill(colCount, 1f);
    for (int col = 0; col < g.ow(); col++) {
      colCount[col] =
          taps(col * g.sw() - g.pw(), g.dw(), g.kw(), g.w(), g.pw(), padEndW, includePad);
    }
    ws.requirePlane(DepthwiseKernels.scratchFloats(g));
    int planes = g.n() * g.c();
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] xp = ws.plane(s);
            for (int i = ws.claimItem(); i < planes; i = ws.claimItem()) {
              plane(i, xp);
            }
          }
        };
  }

  /**
   * Taps of a window starting at {@code start}: those inside [0, size), or with {@code includePad}
   * those inside the padded extent [−padBegin, size + padEnd) (never the ones past the end padding
   * that ceil mode adds).
   */
  static int taps(
      int start, int step, int k, int size, int padBegin, int padEnd, boolean includePad) {
    if (includePad) {
      return Im2col.endInside(start + padBegin, step, size + padBegin + padEnd, k)
          - Im2col.firstInside(start + padBegin, step);
    }
    return Math.max(0, Im2col.endInside(start, step, size, k) - Im2col.firstInside(start, step));
  }

  @Override
  public void run(Loops loops) {
    ws.resetItems();
    loops.forRange(ws.slots(), body);
  }

  /**
   * Y(i, j, k) = max_{p,q} X(i, jS−P+pΔ, kS−P+qΔ) (padding never wins) or Σ_{p,q} X(…) / count, the
   * sum over taps in the order of the reference kernel (rows, then columns).
   */
  private void plane(int i, float[] xp) {
    DepthwiseKernels.padPlane(g, x, i, xp, max ? Float.NEGATIVE_INFINITY : 0f);
    int kh = g.kh();
    int kw = g.kw();
    int oh = g.oh();
    int ow = g.ow();
    int sh = g.sh();
    int sw = g.sw();
    int dh = g.dh();
    int dw = g.dw();
    int pw = DepthwiseKernels.phaseWidth(g);
    int rowStride = sw * pw;
    int yPlane = i * oh * ow;
    FloatVector init = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
    for (int row = 0; row < oh; row++) {
      int yRow = yPlane + row * ow;
      for (int col = 0; col < ow; col += VL) {
        FloatVector acc = init;
        for (int a = 0; a < kh; a++) {
          int src = (row * sh + a * dh) * rowStride + col;
          for (int t = 0; t < kw; t++) {
            int tap = t * dw;
            FloatVector v = FloatVector.fromArray(S, xp, src + (tap % sw) * pw + tap / sw);
            acc = max ? acc.max(v) : acc.add(v);
          }
        }
        if (!max) {
          acc = acc.div(FloatVector.fromArray(S, colCount, col).mul(rowCount[row]));
        }
        int n = Math.min(VL, ow - col);
        if (n == VL) {
          acc.intoArray(y, yRow + col);
        } else {
          VectorMask<Float> m = S.indexInRange(0, n);
          acc.intoArray(y, yRow + col, m);
        }
      }
    }
  }
}
