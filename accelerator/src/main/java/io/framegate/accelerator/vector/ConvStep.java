package io.framegate.accelerator.vector;

import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;

/**
 * A convolution as implicit GEMM: per image and group, {@code Y[M/G × P] = W[M/G × K]·col[K × P]}
 * with the weights packed into {@link Sgemm} panels when the plan is built and the input lowered
 * block by block (KC×NC) into a worker's packed-B scratch. A 1×1 convolution with unit stride and
 * no padding lowers to a plain copy, so it is a plain GEMM. Work items are (image, group, column
 * block, row range): batch and output tiles are split across the plan's workers.
 */
final class ConvStep implements Step {
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
  private final int panels;
  private final int colBlocks;
  private final int rowSplits;
  private final int items;
  private final Loops.Range body;

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
    this.colBlocks = (cols + Sgemm.NC - 1) / Sgemm.NC;
    int base = g.n() * g.groups() * colBlocks;
    // enough items for every worker to stay busy, but each row range keeps several panels so the
    // cost of lowering the input is shared
    int wanted = ws.slots() == 1 ? 1 : 4 * ws.slots();
    this.rowSplits = Math.max(1, Math.min(Math.max(1, panels / 2), (wanted + base - 1) / base));
    this.items = base * rowSplits;
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] bp = ws.packedB(s);
            float[] edge = ws.edge(s);
            for (int item = ws.claimItem(); item < items; item = ws.claimItem()) {
              work(item, bp, edge);
            }
          }
        };
  }

  @Override
  public void run(Loops loops) {
    ws.resetItems();
    loops.forRange(ws.slots(), body);
  }

  private void work(int item, float[] bp, float[] edge) {
    int split = item % rowSplits;
    int rest = item / rowSplits;
    int block = rest % colBlocks;
    rest /= colBlocks;
    int group = rest % g.groups();
    int n = rest / g.groups();
    int p0 = block * Sgemm.NC;
    int p1 = Math.min(cols, p0 + Sgemm.NC);
    int width = p1 - p0;
    int panelLo = panels * split / rowSplits;
    int panelHi = panels * (split + 1) / rowSplits;
    int mg = g.mPerGroup();
    int xBase = (n * g.c() + group * g.cPerGroup()) * g.h() * g.w();
    int aGroup = group * panels * k * Sgemm.MR;
    int yImage = n * g.m() * cols;
    for (int k0 = 0; k0 < k; k0 += Sgemm.KC) {
      int kc = Math.min(Sgemm.KC, k - k0);
      Im2col.pack(x, xBase, g, k0, kc, p0, p1, bp);
      boolean first = k0 == 0;
      boolean last = k0 + kc == k;
      for (int panel = panelLo; panel < panelHi; panel++) {
        int r0 = panel * Sgemm.MR;
        int rows = Math.min(Sgemm.MR, mg - r0);
        int m0 = group * mg + r0;
        int aOff = aGroup + (panel * k + k0) * Sgemm.MR;
        int cOff = yImage + m0 * cols + p0;
        for (int j = 0; j < width; j += Sgemm.NR) {
          Sgemm.tile(
              packedW,
              aOff,
              bp,
              (j >> Sgemm.NR_SHIFT) * kc * Sgemm.NR,
              kc,
              y,
              cOff + j,
              cols,
              rows,
              Math.min(Sgemm.NR, width - j),
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
