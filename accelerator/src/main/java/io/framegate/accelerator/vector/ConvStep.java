package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;

/**
 * A convolution as implicit GEMM: per group, {@code Y[M/G × N·P] = W[M/G × K]·col[K × N·P]} with
 * the weights packed into {@link Sgemm} panels when the plan is built. The columns of all N images
 * of the batch form one matrix (each image's P columns padded to a whole NR panel), so that a
 * weight panel, once loaded, serves every image: late layers with few output positions per image
 * would otherwise re-stream all their weights for each one. The column matrix is lowered once per
 * block of columns into the plan's shared packed-B buffer, its rows split over the workers, then
 * the product runs over (column tile, row range) items, so that splitting the output channels over
 * workers never lowers the input twice. A 1×1 convolution with unit stride and no padding lowers to
 * a plain copy: it is a plain GEMM.
 */
final class ConvStep implements Step {
  /** Most floats of lowered input held at once (a block of columns × all K rows). */
  static final int SHARED_FLOATS = 1 << 21;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] packedW;
  private final float[] bias;
  private final float[] res;
  private final float[] y;
  private final int act;
  private final float p;
  private final float q;
  private final Workspace ws;
  private final int k;
  private final int cols;

  /** Columns an image takes in the batch's column matrix: P rounded up to whole NR panels. */
  private final int imageCols;

  private final int allCols;
  private final int panels;
  private final int blockCols;
  private final int rowSplits;
  private final Loops.Range packBody;

  /** Column stride above 1: the input is first split by column phase (see Im2col.splitPhases). */
  private final boolean split;

  private final int phaseW;
  private final Loops.Range splitBody;
  private final Loops.Range gemmBody;

  // the block being computed; written before each parallel loop, which publishes them
  private int group;
  private int c0;
  private int c1;
  private int items;

  /**
   * @param w weights M×(C/G)×KH×KW
   * @param bias M values or null
   * @param res residual with the output's shape, or null
   */
  ConvStep(
      ConvGeometry g,
      float[] x,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      int act,
      float p,
      float q,
      Workspace ws) {
    this.g = g;
    this.x = x;
    this.res = res;
    this.y = y;
    this.act = act;
    this.p = p;
    this.q = q;
    this.ws = ws;
    this.k = g.k();
    this.cols = g.p();
    int mg = g.mPerGroup();
    this.panels = (mg + Sgemm.MR - 1) / Sgemm.MR;
    // groups' panels one after another: group gi starts at gi·panels·K·MR
    float[] packed = new float[g.groups() * panels * k * Sgemm.MR];
    for (int gi = 0; gi < g.groups(); gi++) {
      float[] one = Sgemm.packA(w, gi * mg * k, mg, k);
      System.arraycopy(one, 0, packed, gi * panels * k * Sgemm.MR, one.length);
    }
    this.packedW = packed;
    this.bias = bias != null ? bias : new float[g.m()];
    this.imageCols = roundUp(cols, Sgemm.NR);
    this.allCols = g.n() * imageCols;
    int fit = Math.max(Sgemm.NR, SHARED_FLOATS / k / Sgemm.NR * Sgemm.NR);
    this.blockCols = Math.min(allCols, fit);
    ws.requireSharedB(blockCols * k);
    // enough items in a block for every worker, each with several row panels
    int colTiles = (blockCols + Sgemm.NC - 1) / Sgemm.NC;
    int wanted = ws.slots() == 1 ? 1 : 8 * ws.slots();
    this.rowSplits = Math.max(1, Math.min(panels, (wanted + colTiles - 1) / colTiles));
    this.packBody = (lo, hi) -> pack(lo, hi - lo);
    this.split = g.sw() > 1;
    this.phaseW = split ? Im2col.phaseWidth(g) : g.w();
    if (split) {
      ws.requireSharedX(g.n() * g.c() * g.h() * g.sw() * phaseW);
    }
    this.splitBody = (lo, hi) -> Im2col.splitPhases(g, x, ws.sharedX(), lo, hi);
    this.gemmBody =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] edge = ws.edge(s);
            for (int item = ws.claimItem(s); item >= 0; item = ws.claimItem(s)) {
              work(item, edge);
            }
          }
        };
  }

  static int roundUp(int v, int m) {
    return (v + m - 1) / m * m;
  }

  @Override
  public void run(Loops loops) {
    if (split) {
      loops.forRange(g.n() * g.c(), splitBody);
    }
    for (int gi = 0; gi < g.groups(); gi++) {
      for (int start = 0; start < allCols; start += blockCols) {
        group = gi;
        c0 = start;
        c1 = Math.min(allCols, start + blockCols);
        items = (c1 - c0 + Sgemm.NC - 1) / Sgemm.NC * rowSplits;
        loops.forRange(k, packBody);
        ws.resetItems(items);
        loops.forRange(ws.slots(), gemmBody);
      }
    }
  }

  /** Lowers rows [k0, k0+kc) of the block's columns, image by image. */
  private void pack(int k0, int kc) {
    int first = c0 / imageCols;
    int last = (c1 - 1) / imageCols;
    for (int n = first; n <= last; n++) {
      int base = n * imageCols;
      int lo = Math.max(c0, base);
      int hi = Math.min(c1, base + cols);
      if (lo >= hi) {
        continue;
      }
      int xBase = (n * g.c() + group * g.cPerGroup()) * g.h() * g.sw() * phaseW;
      Im2col.pack(
          split ? ws.sharedX() : x,
          xBase,
          phaseW,
          g,
          k0,
          kc,
          lo - base,
          hi - base,
          ws.sharedB(),
          k * Sgemm.NR,
          0,
          (lo - c0) >> Sgemm.NR_SHIFT);
    }
  }

  /** One item: a tile of NC columns of the block × a range of row panels, over all of K. */
  private void work(int item, float[] edge) {
    int split = item % rowSplits;
    int tile = item / rowSplits;
    int j0 = tile * Sgemm.NC;
    int width = Math.min(Sgemm.NC, c1 - c0 - j0);
    int panelLo = panels * split / rowSplits;
    int panelHi = panels * (split + 1) / rowSplits;
    int mg = g.mPerGroup();
    int aGroup = group * panels * k * Sgemm.MR;
    float[] bp = ws.sharedB();
    int panelStride = k * Sgemm.NR;
    for (int k0 = 0; k0 < k; k0 += Sgemm.KC) {
      int kc = Math.min(Sgemm.KC, k - k0);
      boolean first = k0 == 0;
      boolean last = k0 + kc == k;
      for (int panel = panelLo; panel < panelHi; panel++) {
        int r0 = panel * Sgemm.MR;
        int rows = Math.min(Sgemm.MR, mg - r0);
        int m0 = group * mg + r0;
        int aOff = aGroup + (panel * k + k0) * Sgemm.MR;
        for (int j = 0; j < width; j += Sgemm.NR) {
          // an NR panel never straddles two images: each image's columns fill whole panels
          int col = c0 + j0 + j;
          int n = col / imageCols;
          int local = col - n * imageCols;
          Sgemm.tile(
              packedW,
              aOff,
              bp,
              ((j0 + j) >> Sgemm.NR_SHIFT) * panelStride + k0 * Sgemm.NR,
              kc,
              y,
              (n * g.m() + m0) * cols + local,
              cols,
              rows,
              Math.min(Sgemm.NR, cols - local),
              bias,
              m0,
              first,
              last,
              res,
              act,
              p,
              q,
              edge);
        }
      }
    }
  }
}
