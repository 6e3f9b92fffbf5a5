package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
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

  /** Output vectors per row: the row's columns in runs of VL. */
  private final int vectorsPerRow;

  /** Floats between rows of the padded, phase-split plane. */
  private final int rowStride;

  /** Offset of each window tap (rows, then columns) from its output vector's first tap. */
  private final int[] tapOffsets;

  /** The value a window starts from: −∞ for max, 0 for a sum. */
  private final float start;

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
    this.vectorsPerRow = (g.ow() + VL - 1) / VL;
    int pw = DepthwiseKernels.phaseWidth(g);
    this.rowStride = g.sw() * pw;
    this.tapOffsets = new int[g.kh() * g.kw()];
    for (int a = 0; a < g.kh(); a++) {
      for (int t = 0; t < g.kw(); t++) {
        int tap = t * g.dw();
        tapOffsets[a * g.kw() + t] = a * g.dh() * rowStride + (tap % g.sw()) * pw + tap / g.sw();
      }
    }
    this.start = max ? Float.NEGATIVE_INFINITY : 0f;
    int planes = g.n() * g.c();
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] xp = ws.plane(s);
            float[] sums = ws.edge(s);
            for (int i = ws.claimItem(s); i >= 0; i = ws.claimItem(s)) {
              plane(i, xp, sums);
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
    ws.resetItems(g.n() * g.c());
    loops.forRange(ws.slots(), body);
  }

  /**
   * Y(i, j, k) = max_{p,q} X(i, jS−P+pΔ, kS−P+qΔ) (padding never wins) or Σ_{p,q} X(…) / count, the
   * sum over taps in the order of the reference kernel (rows, then columns). The plane's output
   * vectors (each row's columns in runs of VL) go four at a time: four independent chains of max or
   * add instead of one, whose latency a single vector waits on.
   */
  private void plane(int i, float[] xp, float[] sums) {
    DepthwiseKernels.padPlane(g, x, i, xp, start);
    int yPlane = i * g.oh() * g.ow();
    int units = g.oh() * vectorsPerRow;
    int u = 0;
    for (; u + 4 <= units; u += 4) {
      four(xp, sums, yPlane, u);
    }
    for (; u < units; u++) {
      FloatVector acc = FloatVector.broadcast(S, start);
      int src = source(u);
      for (int off : tapOffsets) {
        FloatVector v = FloatVector.fromArray(S, xp, src + off);
        acc = max ? acc.max(v) : acc.add(v);
      }
      acc.intoArray(sums, 0);
      store(sums, 0, yPlane, u);
    }
  }

  /** Output vectors u..u+3 of a plane, through {@code sums} (4·VL floats of scratch). */
  private void four(float[] xp, float[] sums, int yPlane, int u) {
    FloatVector init = FloatVector.broadcast(S, start);
    FloatVector acc0 = init;
    FloatVector acc1 = init;
    FloatVector acc2 = init;
    FloatVector acc3 = init;
    int s0 = source(u);
    int s1 = source(u + 1);
    int s2 = source(u + 2);
    int s3 = source(u + 3);
    for (int off : tapOffsets) {
      FloatVector v0 = FloatVector.fromArray(S, xp, s0 + off);
      FloatVector v1 = FloatVector.fromArray(S, xp, s1 + off);
      FloatVector v2 = FloatVector.fromArray(S, xp, s2 + off);
      FloatVector v3 = FloatVector.fromArray(S, xp, s3 + off);
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
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, VL);
    acc2.intoArray(sums, 2 * VL);
    acc3.intoArray(sums, 3 * VL);
    for (int j = 0; j < 4; j++) {
      store(sums, j * VL, yPlane, u + j);
    }
  }

  /** Where output vector u's first tap is in the padded, phase-split plane. */
  private int source(int u) {
    int row = u / vectorsPerRow;
    int col = (u - row * vectorsPerRow) * VL;
    return row * g.sh() * rowStride + col;
  }

  /**
   * Divides an average by its taps and stores output vector u (masked past the row's end), from
   * {@code sums[from…from+VL)}: handed over in an array, since a vector passed to a method the JIT
   * leaves uninlined is boxed on the heap.
   */
  private void store(float[] sums, int from, int yPlane, int u) {
    FloatVector acc = FloatVector.fromArray(S, sums, from);
    int row = u / vectorsPerRow;
    int col = (u - row * vectorsPerRow) * VL;
    if (!max) {
      acc = acc.div(FloatVector.fromArray(S, colCount, col).mul(rowCount[row]));
    }
    int at = yPlane + row * g.ow() + col;
    int n = g.ow() - col;
    if (n >= VL) {
      acc.intoArray(y, at);
    } else {
      acc.intoArray(y, at, S.indexInRange(0, n));
    }
  }
}
