package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;

/**
 * A 3×3, stride-1, ungrouped convolution by Winograd's F(2×2, 3×3): each 2×2 block of outputs is
 * {@code Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A} over a 4×4 input patch d, so the 36 multiply-adds per
 * channel become 16, done as 16 independent {@link Sgemm} products {@code M_ξ[M × T] = U_ξ[M ×
 * C]·V_ξ[C × T]} over the T output blocks of all the batch's images together (so that a weight
 * panel, once loaded, serves every image). The weight transform U is packed when the plan is built;
 * the input transform V, the products and the output transform (with bias, residual and activation)
 * run per block of T, each phase split over the plan's workers.
 */
final class WinogradStep implements Step {
  /** The 16 transformed positions ξ of a 4×4 patch. */
  private static final int XI = 16;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] packedU;
  private final float[] zeros;
  private final float[] bias;
  private final float[] res;
  private final float[] y;
  private final int act;
  private final float p;
  private final float q;
  private final Workspace ws;
  private final int c;
  private final int m;
  private final int tilesH;
  private final int tilesW;
  private final int tiles;
  private final int allTiles;
  private final int blockTiles;
  private final int panels;
  private final int rowSplits;

  /** Offset of each output block's 4×4 input patch in the padded plane. */
  private final int[] patch;

  private final int paddedW;
  private final int paddedH;

  private final Loops.Range inputBody;
  private final Loops.Range gemmBody;
  private final Loops.Range outputBody;

  // the block being computed (of all images' blocks); written before each parallel loop
  private int t0;
  private int t1;
  private int padded;
  private int items;

  /** Whether Winograd applies to this convolution and is worth it. */
  static boolean suits(ConvGeometry g) {
    return g.kh() == 3
        && g.kw() == 3
        && g.sh() == 1
        && g.sw() == 1
        && g.dh() == 1
        && g.dw() == 1
        && g.groups() == 1
        && g.c() >= 16
        && g.m() >= 16;
  }

  WinogradStep(
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
    this.bias = bias;
    this.res = res;
    this.y = y;
    this.act = act;
    this.p = p;
    this.q = q;
    this.ws = ws;
    this.c = g.c();
    this.m = g.m();
    this.tilesH = (g.oh() + 1) / 2;
    this.tilesW = (g.ow() + 1) / 2;
    this.tiles = tilesH * tilesW;
    this.allTiles = g.n() * tiles;
    this.panels = (m + Sgemm.MR - 1) / Sgemm.MR;
    this.packedU = transformWeights(w, m, c, panels);
    this.zeros = new float[m];
    int fit = (ConvStep.SHARED_FLOATS / (XI * Math.max(c, m))) / Sgemm.NR * Sgemm.NR;
    this.blockTiles = Math.min(roundUp(allTiles, Sgemm.NR), Math.max(Sgemm.NR, fit));
    ws.requireSharedB(XI * c * blockTiles);
    ws.requireSharedC(XI * m * blockTiles);
    int colTiles = (blockTiles + Sgemm.NC - 1) / Sgemm.NC;
    int wanted = ws.slots() == 1 ? 1 : 3 * ws.slots();
    this.rowSplits = Math.max(1, Math.min(panels, (wanted + XI * colTiles - 1) / (XI * colTiles)));
    // the input plane is copied with explicit zero padding, so every patch is inside it
    this.paddedW = 2 * tilesW + 2;
    this.paddedH = 2 * tilesH + 2;
    ws.requirePlane(paddedW * paddedH);
    this.patch = new int[roundUp(tiles, Sgemm.NR)];
    for (int t = 0; t < tiles; t++) {
      patch[t] = (t / tilesW) * 2 * paddedW + (t % tilesW) * 2;
    }
    this.inputBody =
        (lo, hi) -> {
          for (int slot = lo; slot < hi; slot++) {
            float[] xp = ws.plane(slot);
            for (int ch = ws.claimItem(); ch < c; ch = ws.claimItem()) {
              transformInput(ch, xp);
            }
          }
        };
    this.gemmBody =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] edge = ws.edge(s);
            for (int item = ws.claimItem(); item < items; item = ws.claimItem()) {
              multiply(item, edge);
            }
          }
        };
    this.outputBody = (lo, hi) -> transformOutput(lo, hi);
  }

  private static int roundUp(int v, int k) {
    return (v + k - 1) / k * k;
  }

  /** U_ξ = (G·g·Gᵀ)_ξ for every (m, c), packed per ξ as MR-row panels over K = C. */
  private static float[] transformWeights(float[] w, int m, int c, int panels) {
    float[] u = new float[XI * m * c];
    float[] s = new float[12];
    for (int o = 0; o < m; o++) {
      for (int i = 0; i < c; i++) {
        int base = (o * c + i) * 9;
        // s = G·g (4×3)
        for (int col = 0; col < 3; col++) {
          float g0 = w[base + col];
          float g1 = w[base + 3 + col];
          float g2 = w[base + 6 + col];
          s[col] = g0;
          s[3 + col] = 0.5f * (g0 + g1 + g2);
          s[6 + col] = 0.5f * (g0 - g1 + g2);
          s[9 + col] = g2;
        }
        // U = s·Gᵀ (4×4)
        for (int r = 0; r < 4; r++) {
          float a0 = s[3 * r];
          float a1 = s[3 * r + 1];
          float a2 = s[3 * r + 2];
          u[((4 * r) * m + o) * c + i] = a0;
          u[((4 * r + 1) * m + o) * c + i] = 0.5f * (a0 + a1 + a2);
          u[((4 * r + 2) * m + o) * c + i] = 0.5f * (a0 - a1 + a2);
          u[((4 * r + 3) * m + o) * c + i] = a2;
        }
      }
    }
    float[] packed = new float[XI * panels * c * Sgemm.MR];
    for (int xi = 0; xi < XI; xi++) {
      float[] one = Sgemm.packA(u, xi * m * c, m, c);
      System.arraycopy(one, 0, packed, xi * panels * c * Sgemm.MR, one.length);
    }
    return packed;
  }

  @Override
  public void run(Loops loops) {
    for (int start = 0; start < allTiles; start += blockTiles) {
      t0 = start;
      t1 = Math.min(allTiles, start + blockTiles);
      padded = roundUp(t1 - t0, Sgemm.NR);
      items = XI * ((padded + Sgemm.NC - 1) / Sgemm.NC) * rowSplits;
      ws.resetItems();
      loops.forRange(ws.slots(), inputBody);
      ws.resetItems();
      loops.forRange(ws.slots(), gemmBody);
      loops.forRange(m, outputBody);
    }
  }

  /**
   * V_ξ(ch, t) = (Bᵀ·d·B)_ξ for the 4×4 patch d of channel ch under output block t (zero outside
   * the image), written as NR-column panels {@code [ξ][t/NR][ch][t%NR]}. The channel is first
   * copied into {@code xp} with its zero padding explicit.
   */
  private void transformInput(int ch, float[] xp) {
    float[] v = ws.sharedB();
    int panelStride = c * Sgemm.NR;
    int xiStride = c * padded;
    int mask = Sgemm.NR - 1;
    for (int n = t0 / tiles; n * tiles < t1; n++) {
      int lo = Math.max(t0, n * tiles);
      int hi = Math.min(t1, (n + 1) * tiles);
      copyPlane(n, ch, xp);
      for (int at = lo; at < hi; at++) {
        int jj = at - t0;
        int t = at - n * tiles;
        int dst = (jj >> Sgemm.NR_SHIFT) * panelStride + ch * Sgemm.NR + (jj & mask);
        if ((jj & (VL - 1)) == 0 && at + VL <= hi) {
          transformChunk(xp, t, v, dst, xiStride);
          at += VL - 1;
          continue;
        }
        transformOne(xp, patch[t], v, dst, xiStride);
      }
    }
    for (int jj = t1 - t0; jj < padded; jj++) {
      int dst = (jj >> Sgemm.NR_SHIFT) * panelStride + ch * Sgemm.NR + (jj & mask);
      for (int xi = 0; xi < XI; xi++) {
        v[xi * xiStride + dst] = 0f;
      }
    }
  }

  /** Copies channel ch of image n into xp with its zero padding explicit. */
  private void copyPlane(int n, int ch, float[] xp) {
    int h = g.h();
    int wd = g.w();
    int plane = (n * c + ch) * h * wd;
    for (int r = 0; r < paddedH; r++) {
      int ih = r - g.ph();
      int row = r * paddedW;
      int lo = 0;
      int hi = 0;
      if (ih >= 0 && ih < h) {
        lo = Math.min(paddedW, g.pw());
        hi = Math.max(lo, Math.min(paddedW, g.pw() + wd));
      }
      for (int j = 0; j < lo; j++) {
        xp[row + j] = 0f;
      }
      if (hi > lo) {
        System.arraycopy(x, plane + ih * wd + lo - g.pw(), xp, row + lo, hi - lo);
      }
      for (int j = hi; j < paddedW; j++) {
        xp[row + j] = 0f;
      }
    }
  }

  /** V for one output block whose patch starts at i0 of the padded plane. */
  private void transformOne(float[] xp, int i0, float[] v, int dst, int xiStride) {
    int i1 = i0 + paddedW;
    int i2 = i1 + paddedW;
    int i3 = i2 + paddedW;
    float d00 = xp[i0];
    float d01 = xp[i0 + 1];
    float d02 = xp[i0 + 2];
    float d03 = xp[i0 + 3];
    float d10 = xp[i1];
    float d11 = xp[i1 + 1];
    float d12 = xp[i1 + 2];
    float d13 = xp[i1 + 3];
    float d20 = xp[i2];
    float d21 = xp[i2 + 1];
    float d22 = xp[i2 + 2];
    float d23 = xp[i2 + 3];
    float d30 = xp[i3];
    float d31 = xp[i3 + 1];
    float d32 = xp[i3 + 2];
    float d33 = xp[i3 + 3];
    // Bᵀ·d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3
    float r00 = d00 - d20;
    float r01 = d01 - d21;
    float r02 = d02 - d22;
    float r03 = d03 - d23;
    float r10 = d10 + d20;
    float r11 = d11 + d21;
    float r12 = d12 + d22;
    float r13 = d13 + d23;
    float r20 = d20 - d10;
    float r21 = d21 - d11;
    float r22 = d22 - d12;
    float r23 = d23 - d13;
    float r30 = d10 - d30;
    float r31 = d11 - d31;
    float r32 = d12 - d32;
    float r33 = d13 - d33;
    // (Bᵀ·d)·B: the same combinations along each row
    v[dst] = r00 - r02;
    v[xiStride + dst] = r01 + r02;
    v[2 * xiStride + dst] = r02 - r01;
    v[3 * xiStride + dst] = r01 - r03;
    v[4 * xiStride + dst] = r10 - r12;
    v[5 * xiStride + dst] = r11 + r12;
    v[6 * xiStride + dst] = r12 - r11;
    v[7 * xiStride + dst] = r11 - r13;
    v[8 * xiStride + dst] = r20 - r22;
    v[9 * xiStride + dst] = r21 + r22;
    v[10 * xiStride + dst] = r22 - r21;
    v[11 * xiStride + dst] = r21 - r23;
    v[12 * xiStride + dst] = r30 - r32;
    v[13 * xiStride + dst] = r31 + r32;
    v[14 * xiStride + dst] = r32 - r31;
    v[15 * xiStride + dst] = r31 - r33;
  }

  private static final jdk.incubator.vector.VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /** V for VL consecutive output blocks, their patches gathered from the padded plane. */
  private void transformChunk(float[] xp, int t, float[] v, int dst, int xiStride) {
    int plane = 0;
    int wd = paddedW;
    FloatVector d00 = FloatVector.fromArray(S, xp, plane, patch, t);
    FloatVector d01 = FloatVector.fromArray(S, xp, plane + 1, patch, t);
    FloatVector d02 = FloatVector.fromArray(S, xp, plane + 2, patch, t);
    FloatVector d03 = FloatVector.fromArray(S, xp, plane + 3, patch, t);
    int r1 = plane + wd;
    FloatVector d10 = FloatVector.fromArray(S, xp, r1, patch, t);
    FloatVector d11 = FloatVector.fromArray(S, xp, r1 + 1, patch, t);
    FloatVector d12 = FloatVector.fromArray(S, xp, r1 + 2, patch, t);
    FloatVector d13 = FloatVector.fromArray(S, xp, r1 + 3, patch, t);
    int r2 = r1 + wd;
    FloatVector d20 = FloatVector.fromArray(S, xp, r2, patch, t);
    FloatVector d21 = FloatVector.fromArray(S, xp, r2 + 1, patch, t);
    FloatVector d22 = FloatVector.fromArray(S, xp, r2 + 2, patch, t);
    FloatVector d23 = FloatVector.fromArray(S, xp, r2 + 3, patch, t);
    int r3 = r2 + wd;
    FloatVector d30 = FloatVector.fromArray(S, xp, r3, patch, t);
    FloatVector d31 = FloatVector.fromArray(S, xp, r3 + 1, patch, t);
    FloatVector d32 = FloatVector.fromArray(S, xp, r3 + 2, patch, t);
    FloatVector d33 = FloatVector.fromArray(S, xp, r3 + 3, patch, t);
    FloatVector a0 = d00.sub(d20);
    FloatVector a1 = d01.sub(d21);
    FloatVector a2 = d02.sub(d22);
    FloatVector a3 = d03.sub(d23);
    a0.sub(a2).intoArray(v, dst);
    a1.add(a2).intoArray(v, xiStride + dst);
    a2.sub(a1).intoArray(v, 2 * xiStride + dst);
    a1.sub(a3).intoArray(v, 3 * xiStride + dst);
    a0 = d10.add(d20);
    a1 = d11.add(d21);
    a2 = d12.add(d22);
    a3 = d13.add(d23);
    a0.sub(a2).intoArray(v, 4 * xiStride + dst);
    a1.add(a2).intoArray(v, 5 * xiStride + dst);
    a2.sub(a1).intoArray(v, 6 * xiStride + dst);
    a1.sub(a3).intoArray(v, 7 * xiStride + dst);
    a0 = d20.sub(d10);
    a1 = d21.sub(d11);
    a2 = d22.sub(d12);
    a3 = d23.sub(d13);
    a0.sub(a2).intoArray(v, 8 * xiStride + dst);
    a1.add(a2).intoArray(v, 9 * xiStride + dst);
    a2.sub(a1).intoArray(v, 10 * xiStride + dst);
    a1.sub(a3).intoArray(v, 11 * xiStride + dst);
    a0 = d10.sub(d30);
    a1 = d11.sub(d31);
    a2 = d12.sub(d32);
    a3 = d13.sub(d33);
    a0.sub(a2).intoArray(v, 12 * xiStride + dst);
    a1.add(a2).intoArray(v, 13 * xiStride + dst);
    a2.sub(a1).intoArray(v, 14 * xiStride + dst);
    a1.sub(a3).intoArray(v, 15 * xiStride + dst);
  }

  /** One item: position ξ, a tile of NC blocks, a range of row panels: M_ξ = U_ξ·V_ξ. */
  private void multiply(int item, float[] edge) {
    int split = item % rowSplits;
    int rest = item / rowSplits;
    int colTiles = (padded + Sgemm.NC - 1) / Sgemm.NC;
    int tile = rest % colTiles;
    int xi = rest / colTiles;
    int j0 = tile * Sgemm.NC;
    int width = Math.min(Sgemm.NC, padded - j0);
    int panelLo = panels * split / rowSplits;
    int panelHi = panels * (split + 1) / rowSplits;
    float[] v = ws.sharedB();
    float[] out = ws.sharedC();
    int aXi = xi * panels * c * Sgemm.MR;
    int bXi = xi * c * padded;
    int cXi = xi * m * padded;
    int panelStride = c * Sgemm.NR;
    for (int k0 = 0; k0 < c; k0 += Sgemm.KC) {
      int kc = Math.min(Sgemm.KC, c - k0);
      boolean first = k0 == 0;
      boolean last = k0 + kc == c;
      for (int panel = panelLo; panel < panelHi; panel++) {
        int r0 = panel * Sgemm.MR;
        int rows = Math.min(Sgemm.MR, m - r0);
        int aOff = aXi + (panel * c + k0) * Sgemm.MR;
        int cOff = cXi + r0 * padded + j0;
        for (int j = 0; j < width; j += Sgemm.NR) {
          Sgemm.tile(
              packedU,
              aOff,
              v,
              bXi + ((j0 + j) >> Sgemm.NR_SHIFT) * panelStride + k0 * Sgemm.NR,
              kc,
              out,
              cOff + j,
              padded,
              rows,
              Sgemm.NR,
              zeros,
              r0,
              first,
              last,
              null,
              Activation.NONE,
              0f,
              0f,
              edge);
        }
      }
    }
  }

  /** Y = Aᵀ·M·A per output block, plus bias, residual and activation; range: output channels. */
  private void transformOutput(int lo, int hi) {
    float[] mm = ws.sharedC();
    int oh = g.oh();
    int ow = g.ow();
    int xiStride = m * padded;
    for (int o = lo; o < hi; o++) {
      float b0 = bias == null ? 0f : bias[o];
      int src0 = o * padded;
      for (int jj = 0; jj < t1 - t0; jj++) {
        int s = src0 + jj;
        float m00 = mm[s];
        float m01 = mm[xiStride + s];
        float m02 = mm[2 * xiStride + s];
        float m03 = mm[3 * xiStride + s];
        float m10 = mm[4 * xiStride + s];
        float m11 = mm[5 * xiStride + s];
        float m12 = mm[6 * xiStride + s];
        float m13 = mm[7 * xiStride + s];
        float m20 = mm[8 * xiStride + s];
        float m21 = mm[9 * xiStride + s];
        float m22 = mm[10 * xiStride + s];
        float m23 = mm[11 * xiStride + s];
        float m30 = mm[12 * xiStride + s];
        float m31 = mm[13 * xiStride + s];
        float m32 = mm[14 * xiStride + s];
        float m33 = mm[15 * xiStride + s];
        // Aᵀ·M: rows m0 + m1 + m2 and m1 − m2 − m3
        float u0 = m00 + m10 + m20;
        float u1 = m01 + m11 + m21;
        float u2 = m02 + m12 + m22;
        float u3 = m03 + m13 + m23;
        float l0 = m10 - m20 - m30;
        float l1 = m11 - m21 - m31;
        float l2 = m12 - m22 - m32;
        float l3 = m13 - m23 - m33;
        int n = (t0 + jj) / tiles;
        int t = t0 + jj - n * tiles;
        int plane = (n * m + o) * oh * ow;
        int row = (t / tilesW) * 2;
        int col = (t % tilesW) * 2;
        float y00 = b0 + u0 + u1 + u2;
        float y01 = b0 + u1 - u2 - u3;
        float y10 = b0 + l0 + l1 + l2;
        float y11 = b0 + l1 - l2 - l3;
        if (row + 1 < oh && col + 1 < ow) {
          int i = plane + row * ow + col;
          if (res != null) {
            y00 += res[i];
            y01 += res[i + 1];
            y10 += res[i + ow];
            y11 += res[i + ow + 1];
          }
          y[i] = Activation.apply(act, y00, p, q);
          y[i + 1] = Activation.apply(act, y01, p, q);
          y[i + ow] = Activation.apply(act, y10, p, q);
          y[i + ow + 1] = Activation.apply(act, y11, p, q);
        } else {
          store(plane, row, col, oh, ow, y00);
          store(plane, row, col + 1, oh, ow, y01);
          store(plane, row + 1, col, oh, ow, y10);
          store(plane, row + 1, col + 1, oh, ow, y11);
        }
      }
    }
  }

  private void store(int plane, int row, int col, int oh, int ow, float v) {
    if (row < oh && col < ow) {
      int i = plane + row * ow + col;
      if (res != null) {
        v += res[i];
      }
      y[i] = Activation.apply(act, v, p, q);
    }
  }
}
