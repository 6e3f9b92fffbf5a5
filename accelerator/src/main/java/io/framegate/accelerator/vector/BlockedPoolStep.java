package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 1-D or 2-D MaxPool or AveragePool over blocked tensors ({@link Blocked}): one output vector per
 * position holds the VL channels of a block. The input is read in place; only window taps inside
 * the image are visited (padding never wins a max and adds nothing to a sum), their rows found once
 * per output row and their columns once per output column when the step is built. The geometry's M
 * is C and its groups are C; work items are (image, block, band of output rows).
 */
final class BlockedPoolStep implements Step {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Blocked.VL;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] y;
  private final boolean max;

  /** Per output column: the first and one past the last tap column inside the image. */
  private final int[] colLo;

  private final int[] colHi;

  /** Average: the divisor's row factor per output row and column factor per output column. */
  private final float[] rowCount;

  private final float[] colCount;

  private final RowBands bands;

  /**
   * The output columns [fullLo, fullHi) whose windows lie wholly inside the image's columns: they
   * run four at a time.
   */
  private final int fullLo;

  private final int fullHi;

  /**
   * @param x blocked input N×C×H×W
   * @param y blocked output N×C×OH×OW
   * @param padEndH end padding of the rows (it only matters to the divisor)
   * @param includePad average: padded positions count in the divisor
   */
  BlockedPoolStep(
      ConvGeometry g,
      float[] x,
      float[] y,
      boolean max,
      int padEndH,
      int padEndW,
      boolean includePad,
      Workspace ws) {
    if (g.c() != g.m() || g.c() != g.groups()) {
      throw new IllegalArgumentException(
          "pooling geometry needs M = groups = C, has C="
              + g.c()
              + " M="
              + g.m()
              + " groups="
              + g.groups());
    }
    if (!Blocked.fits(g.c())) {
      throw new IllegalArgumentException(
          "blocked pooling needs channels a multiple of " + VL + ", has " + g.c());
    }
    this.g = g;
    this.x = x;
    this.y = y;
    this.max = max;
    this.colLo = new int[g.ow()];
    this.colHi = new int[g.ow()];
    this.colCount = new float[g.ow()];
    for (int j = 0; j < g.ow(); j++) {
      int start = j * g.sw() - g.pw();
      colLo[j] = Im2col.firstInside(start, g.dw());
      colHi[j] = Math.max(colLo[j], Im2col.endInside(start, g.dw(), g.w(), g.kw()));
      colCount[j] = PoolStep.taps(start, g.dw(), g.kw(), g.w(), g.pw(), padEndW, includePad);
    }
    int lo = 0;
    while (lo < g.ow() && !full(lo)) {
      lo++;
    }
    int hi = lo;
    while (hi < g.ow() && full(hi)) {
      hi++;
    }
    this.fullLo = lo;
    this.fullHi = hi;
    // the reference divides by the product of per-axis tap counts; both factors are small integers,
    // so their float product is the same exact value
    this.rowCount = new float[g.oh()];
    for (int r = 0; r < g.oh(); r++) {
      rowCount[r] =
          PoolStep.taps(r * g.sh() - g.ph(), g.dh(), g.kh(), g.h(), g.ph(), padEndH, includePad);
    }
    this.bands = new RowBands(g.n(), g.c() / VL, g.oh(), ws, this::rows);
  }

  @Override
  public void run(Loops loops) {
    bands.run(loops);
  }

  /** Output rows [r0, r1) of one plane (image·C/VL + block). */
  private void rows(int plane, int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      row(plane, r);
    }
  }

  /** Whether output column j's window has every tap inside the image. */
  private boolean full(int j) {
    return colLo[j] == 0 && colHi[j] == g.kw();
  }

  /**
   * Y(c, j, k) = max_{p,q} X(c, jS−P+pΔ, kS−P+qΔ) or Σ_{p,q} X(…) / count over taps inside the
   * image, for the VL channels of one block and one output row; the sum in the reference kernel's
   * order (rows, then columns). Columns whose windows lie inside the image run four at a time: four
   * independent chains of max or add instead of one, whose latency a single column waits on.
   */
  private void row(int plane, int r) {
    int ih0 = r * g.sh() - g.ph();
    int aLo = Im2col.firstInside(ih0, g.dh());
    int aHi = Im2col.endInside(ih0, g.dh(), g.h(), g.kh());
    int xPlane = plane * g.h() * g.w() * VL;
    int yRow = (plane * g.oh() + r) * g.ow() * VL;
    int j = 0;
    for (; j < fullLo; j++) {
      column(xPlane, yRow, ih0, aLo, aHi, r, j);
    }
    for (; j + 4 <= fullHi; j += 4) {
      four(xPlane, yRow, ih0, aLo, aHi, r, j);
    }
    for (; j < g.ow(); j++) {
      column(xPlane, yRow, ih0, aLo, aHi, r, j);
    }
  }

  /** Output column j of row r, over the taps inside the image. */
  private void column(int xPlane, int yRow, int ih0, int aLo, int aHi, int r, int j) {
    int iw0 = j * g.sw() - g.pw();
    int tLo = colLo[j];
    int tHi = colHi[j];
    int colStep = g.dw() * VL;
    FloatVector acc = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
    for (int a = aLo; a < aHi; a++) {
      int off = xPlane + ((ih0 + a * g.dh()) * g.w() + iw0 + tLo * g.dw()) * VL;
      for (int t = tLo; t < tHi; t++, off += colStep) {
        FloatVector v = FloatVector.fromArray(S, x, off);
        acc = max ? acc.max(v) : acc.add(v);
      }
    }
    if (!max) {
      acc = acc.div(rowCount[r] * colCount[j]);
    }
    acc.intoArray(y, yRow + j * VL);
  }

  /** Output columns j..j+3 of row r, all with every column tap inside the image. */
  private void four(int xPlane, int yRow, int ih0, int aLo, int aHi, int r, int j) {
    int colStep = g.dw() * VL;
    int next = g.sw() * VL;
    FloatVector init = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
    FloatVector acc0 = init;
    FloatVector acc1 = init;
    FloatVector acc2 = init;
    FloatVector acc3 = init;
    for (int a = aLo; a < aHi; a++) {
      int off = xPlane + ((ih0 + a * g.dh()) * g.w() + j * g.sw() - g.pw()) * VL;
      for (int t = 0; t < g.kw(); t++, off += colStep) {
        FloatVector v0 = FloatVector.fromArray(S, x, off);
        FloatVector v1 = FloatVector.fromArray(S, x, off + next);
        FloatVector v2 = FloatVector.fromArray(S, x, off + 2 * next);
        FloatVector v3 = FloatVector.fromArray(S, x, off + 3 * next);
        if (max) {
          acc0 = acc0.max(v0);
          acc1 = acc1.max(v1);
          acc2 = acc2.max(v2);
          acc3 = acc3.max(v3);
        } else {
          acc0 = acc0.add(v0);
          acc1 = acc1.add(v1);
          acc2 = acc2.add(v2);
          acc3 = acc3.add(v3);
        }
      }
    }
    if (!max) {
      acc0 = acc0.div(rowCount[r] * colCount[j]);
      acc1 = acc1.div(rowCount[r] * colCount[j + 1]);
      acc2 = acc2.div(rowCount[r] * colCount[j + 2]);
      acc3 = acc3.div(rowCount[r] * colCount[j + 3]);
    }
    acc0.intoArray(y, yRow + j * VL);
    acc1.intoArray(y, yRow + (j + 1) * VL);
    acc2.intoArray(y, yRow + (j + 2) * VL);
    acc3.intoArray(y, yRow + (j + 3) * VL);
  }
}
