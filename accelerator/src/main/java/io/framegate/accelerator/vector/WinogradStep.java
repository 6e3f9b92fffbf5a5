package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

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

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

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

  /** Offset of each output block's 4×4 input patch in the padded, phase-split plane. */
  private final int[] patch;

  private final int paddedW;
  private final int paddedH;

  /** Columns of each phase (even, odd) of a row of the padded plane. */
  private final int half;

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
    // the input plane is copied with explicit zero padding, so every patch is inside it, and
    // with each row's even columns before its odd ones: the four columns of the patches of a row
    // of blocks are then four contiguous runs (even, odd, even + 1, odd + 1)
    this.half = tilesW + 1;
    this.paddedW = 2 * half;
    this.paddedH = 2 * tilesH + 2;
    // the plane, then room for gathered patches
    ws.requirePlane(paddedW * paddedH + XI * VL);
    this.patch = new int[roundUp(tiles, Sgemm.NR)];
    for (int t = 0; t < tiles; t++) {
      patch[t] = (t / tilesW) * 2 * paddedW + t % tilesW;
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
    this.outputBody =
        (lo, hi) -> {
          for (int slot = lo; slot < hi; slot++) {
            float[] scratch = ws.edge(slot);
            for (int o = ws.claimItem(); o < m; o = ws.claimItem()) {
              transformOutput(o, scratch);
            }
          }
        };
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
      ws.resetItems();
      loops.forRange(ws.slots(), outputBody);
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
          if (t % tilesW + VL <= tilesW) {
            // VL blocks of one row of blocks: each patch position is a contiguous run
            transformChunk(xp, patch[t], paddedW, half, 1, half + 1, v, dst, xiStride);
          } else {
            int st = paddedW * paddedH;
            gatherPatches(xp, t, xp, st);
            transformChunk(xp, st, 4 * VL, VL, 2 * VL, 3 * VL, v, dst, xiStride);
          }
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

  /**
   * Copies channel ch of image n into xp with its zero padding explicit, each row as its even
   * columns then its odd ones: padded (r, j) goes to r·paddedW + (j mod 2)·half + ⌊j/2⌋.
   */
  private void copyPlane(int n, int ch, float[] xp) {
    int h = g.h();
    int wd = g.w();
    int plane = (n * c + ch) * h * wd;
    for (int r = 0; r < paddedH; r++) {
      int ih = r - g.ph();
      int row = r * paddedW;
      if (ih < 0 || ih >= h) {
        java.util.Arrays.fill(xp, row, row + paddedW, 0f);
        continue;
      }
      for (int e = 0; e < 2; e++) {
        // phase e holds padded columns 2k + e, input columns 2k + e − PW
        int first = e - g.pw();
        int lo = Math.min(half, Im2col.firstInside(first, 2));
        int hi = Math.max(lo, Im2col.endInside(first, 2, wd, half));
        int dst = row + e * half;
        int src = plane + ih * wd + first;
        for (int k = 0; k < lo; k++) {
          xp[dst + k] = 0f;
        }
        for (int k = lo; k < hi; k++) {
          xp[dst + k] = x[src + 2 * k];
        }
        for (int k = hi; k < half; k++) {
          xp[dst + k] = 0f;
        }
      }
    }
  }

  /** V for one output block whose patch starts at i0 of the padded plane. */
  private void transformOne(float[] xp, int i0, float[] v, int dst, int xiStride) {
    int i1 = i0 + paddedW;
    int i2 = i1 + paddedW;
    int i3 = i2 + paddedW;
    int o1 = half;
    int o3 = half + 1;
    float d00 = xp[i0];
    float d01 = xp[i0 + o1];
    float d02 = xp[i0 + 1];
    float d03 = xp[i0 + o3];
    float d10 = xp[i1];
    float d11 = xp[i1 + o1];
    float d12 = xp[i1 + 1];
    float d13 = xp[i1 + o3];
    float d20 = xp[i2];
    float d21 = xp[i2 + o1];
    float d22 = xp[i2 + 1];
    float d23 = xp[i2 + o3];
    float d30 = xp[i3];
    float d31 = xp[i3 + o1];
    float d32 = xp[i3 + 1];
    float d33 = xp[i3 + o3];
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

  /**
   * Copies the 4×4 patches of the VL blocks from block t on into {@code st} from {@code base},
   * patch position (r, k) as VL contiguous lanes at base + (4r + k)·VL: the layout {@link
   * #transformChunk} reads with row stride 4·VL and column offsets VL, 2·VL, 3·VL.
   */
  private void gatherPatches(float[] xp, int t, float[] st, int base) {
    for (int r = 0; r < 4; r++) {
      for (int k = 0; k < 4; k++) {
        // column k of a patch: phase k mod 2, offset ⌊k/2⌋
        int col = (k & 1) * half + (k >> 1);
        FloatVector.fromArray(S, xp, r * paddedW + col, patch, t)
            .intoArray(st, base + (4 * r + k) * VL);
      }
    }
  }

  /**
   * V for VL consecutive output blocks: patch position (r, k) of block l is {@code src[b + r·wd +
   * off_k + l]} with off = (0, o1, o2, o3).
   */
  private static void transformChunk(
      float[] src, int b, int wd, int o1, int o2, int o3, float[] v, int dst, int xiStride) {
    FloatVector d00 = FloatVector.fromArray(S, src, b);
    FloatVector d01 = FloatVector.fromArray(S, src, b + o1);
    FloatVector d02 = FloatVector.fromArray(S, src, b + o2);
    FloatVector d03 = FloatVector.fromArray(S, src, b + o3);
    b += wd;
    FloatVector d10 = FloatVector.fromArray(S, src, b);
    FloatVector d11 = FloatVector.fromArray(S, src, b + o1);
    FloatVector d12 = FloatVector.fromArray(S, src, b + o2);
    FloatVector d13 = FloatVector.fromArray(S, src, b + o3);
    b += wd;
    FloatVector d20 = FloatVector.fromArray(S, src, b);
    FloatVector d21 = FloatVector.fromArray(S, src, b + o1);
    FloatVector d22 = FloatVector.fromArray(S, src, b + o2);
    FloatVector d23 = FloatVector.fromArray(S, src, b + o3);
    b += wd;
    FloatVector d30 = FloatVector.fromArray(S, src, b);
    FloatVector d31 = FloatVector.fromArray(S, src, b + o1);
    FloatVector d32 = FloatVector.fromArray(S, src, b + o2);
    FloatVector d33 = FloatVector.fromArray(S, src, b + o3);
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

  /**
   * Y = Aᵀ·M·A per output block of channel o, plus bias, residual and activation. Runs of VL blocks
   * inside one row of blocks store whole vectors; other runs of VL blocks (row ends, small images)
   * are computed on vectors and scattered through {@code scratch} (4·VL floats); the last few
   * blocks one at a time.
   */
  private void transformOutput(int o, float[] scratch) {
    int count = t1 - t0;
    // blocks whose 2×2 outputs are all inside the image
    int fullW = g.ow() / 2;
    int fullH = g.oh() / 2;
    float b0 = bias == null ? 0f : bias[o];
    int jj = 0;
    while (jj < count) {
      int at = t0 + jj;
      int n = at / tiles;
      int t = at - n * tiles;
      int tr = t / tilesW;
      int tc = t - tr * tilesW;
      if (jj + VL > count) {
        outputOne(o, b0, jj, n, t);
        jj++;
      } else if (tr < fullH && tc + VL <= fullW) {
        outputRun(o, b0, jj, (n * m + o) * g.oh() * g.ow() + 2 * tr * g.ow() + 2 * tc, scratch);
        jj += VL;
      } else {
        outputRun(o, b0, jj, -1, scratch);
        jj += VL;
      }
    }
  }

  /** Lane l of the first (second) half of a row of outputs comes from block l/2 (VL/2 + l/2). */
  private static final VectorShuffle<Float> LOW = VectorShuffle.fromOp(S, l -> l / 2);

  private static final VectorShuffle<Float> HIGH = VectorShuffle.fromOp(S, l -> VL / 2 + l / 2);

  /** Odd lanes: the second column of each block. */
  private static final VectorMask<Float> ODD =
      VectorMask.fromLong(S, 0xAAAAAAAAAAAAAAAAL >>> (64 - VL));

  /**
   * Y for the VL blocks of products jj…jj+VL−1, with the bias. When the blocks lie in one row of
   * blocks, all inside the image ({@code i}, the index of their first output, is 0 or more), each
   * row of 2·VL outputs interleaves the blocks' left and right columns and is stored whole, with
   * the residual and activation on vectors. Otherwise ({@code i} < 0: row ends, small images, image
   * bounds) the four outputs of each block are stored one by one through {@code scratch} (4·VL
   * floats), clipped to the image.
   */
  private void outputRun(int o, float b0, int jj, int i, float[] scratch) {
    float[] mm = ws.sharedC();
    int xs = m * padded;
    int s = o * padded + jj;
    FloatVector m00 = FloatVector.fromArray(S, mm, s);
    FloatVector m01 = FloatVector.fromArray(S, mm, xs + s);
    FloatVector m02 = FloatVector.fromArray(S, mm, 2 * xs + s);
    FloatVector m03 = FloatVector.fromArray(S, mm, 3 * xs + s);
    FloatVector m10 = FloatVector.fromArray(S, mm, 4 * xs + s);
    FloatVector m11 = FloatVector.fromArray(S, mm, 5 * xs + s);
    FloatVector m12 = FloatVector.fromArray(S, mm, 6 * xs + s);
    FloatVector m13 = FloatVector.fromArray(S, mm, 7 * xs + s);
    FloatVector m20 = FloatVector.fromArray(S, mm, 8 * xs + s);
    FloatVector m21 = FloatVector.fromArray(S, mm, 9 * xs + s);
    FloatVector m22 = FloatVector.fromArray(S, mm, 10 * xs + s);
    FloatVector m23 = FloatVector.fromArray(S, mm, 11 * xs + s);
    FloatVector m30 = FloatVector.fromArray(S, mm, 12 * xs + s);
    FloatVector m31 = FloatVector.fromArray(S, mm, 13 * xs + s);
    FloatVector m32 = FloatVector.fromArray(S, mm, 14 * xs + s);
    FloatVector m33 = FloatVector.fromArray(S, mm, 15 * xs + s);
    // Aᵀ·M: rows m0 + m1 + m2 and m1 − m2 − m3; then the same along each row
    FloatVector u0 = m00.add(m10).add(m20);
    FloatVector u1 = m01.add(m11).add(m21);
    FloatVector u2 = m02.add(m12).add(m22);
    FloatVector u3 = m03.add(m13).add(m23);
    FloatVector l0 = m10.sub(m20).sub(m30);
    FloatVector l1 = m11.sub(m21).sub(m31);
    FloatVector l2 = m12.sub(m22).sub(m32);
    FloatVector l3 = m13.sub(m23).sub(m33);
    FloatVector bv = FloatVector.broadcast(S, b0);
    FloatVector y00 = bv.add(u0).add(u1).add(u2);
    FloatVector y01 = bv.add(u1).sub(u2).sub(u3);
    FloatVector y10 = bv.add(l0).add(l1).add(l2);
    FloatVector y11 = bv.add(l1).sub(l2).sub(l3);
    // every value passes through local code: a vector handed to a method that is not inlined is
    // boxed
    boolean clamp = act == Activation.RELU || act == Activation.CLIP;
    float lo = act == Activation.RELU ? 0f : p;
    float hi = act == Activation.RELU ? Float.POSITIVE_INFINITY : q;
    if (i >= 0) {
      int ow = g.ow();
      FloatVector r0 = y00.rearrange(LOW).blend(y01.rearrange(LOW), ODD);
      FloatVector r1 = y00.rearrange(HIGH).blend(y01.rearrange(HIGH), ODD);
      FloatVector r2 = y10.rearrange(LOW).blend(y11.rearrange(LOW), ODD);
      FloatVector r3 = y10.rearrange(HIGH).blend(y11.rearrange(HIGH), ODD);
      if (res != null) {
        r0 = r0.add(FloatVector.fromArray(S, res, i));
        r1 = r1.add(FloatVector.fromArray(S, res, i + VL));
        r2 = r2.add(FloatVector.fromArray(S, res, i + ow));
        r3 = r3.add(FloatVector.fromArray(S, res, i + ow + VL));
      }
      if (clamp) {
        r0 = r0.max(lo).min(hi);
        r1 = r1.max(lo).min(hi);
        r2 = r2.max(lo).min(hi);
        r3 = r3.max(lo).min(hi);
      }
      r0.intoArray(y, i);
      r1.intoArray(y, i + VL);
      r2.intoArray(y, i + ow);
      r3.intoArray(y, i + ow + VL);
      if (act != Activation.NONE && !clamp) {
        for (int j = 0; j < 2 * VL; j++) {
          y[i + j] = Activation.apply(act, y[i + j], p, q);
          y[i + ow + j] = Activation.apply(act, y[i + ow + j], p, q);
        }
      }
      return;
    }
    if (res == null && clamp) {
      y00 = y00.max(lo).min(hi);
      y01 = y01.max(lo).min(hi);
      y10 = y10.max(lo).min(hi);
      y11 = y11.max(lo).min(hi);
    }
    y00.intoArray(scratch, 0);
    y01.intoArray(scratch, VL);
    y10.intoArray(scratch, 2 * VL);
    y11.intoArray(scratch, 3 * VL);
    boolean done = res == null && (act == Activation.NONE || clamp);
    int oh = g.oh();
    int ow = g.ow();
    for (int l = 0; l < VL; l++) {
      int at = t0 + jj + l;
      int n = at / tiles;
      int t = at - n * tiles;
      int plane = (n * m + o) * oh * ow;
      int row = (t / tilesW) * 2;
      int col = (t % tilesW) * 2;
      if (done) {
        int k = plane + row * ow + col;
        boolean right = col + 1 < ow;
        y[k] = scratch[l];
        if (right) {
          y[k + 1] = scratch[VL + l];
        }
        if (row + 1 < oh) {
          y[k + ow] = scratch[2 * VL + l];
          if (right) {
            y[k + ow + 1] = scratch[3 * VL + l];
          }
        }
      } else {
        store(plane, row, col, oh, ow, scratch[l]);
        store(plane, row, col + 1, oh, ow, scratch[VL + l]);
        store(plane, row + 1, col, oh, ow, scratch[2 * VL + l]);
        store(plane, row + 1, col + 1, oh, ow, scratch[3 * VL + l]);
      }
    }
  }

  /** Y for block t of image n (column jj of the products), clipped to the image. */
  private void outputOne(int o, float b0, int jj, int n, int t) {
    float[] mm = ws.sharedC();
    int oh = g.oh();
    int ow = g.ow();
    int xiStride = m * padded;
    int s = o * padded + jj;
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
    float u0 = m00 + m10 + m20;
    float u1 = m01 + m11 + m21;
    float u2 = m02 + m12 + m22;
    float u3 = m03 + m13 + m23;
    float l0 = m10 - m20 - m30;
    float l1 = m11 - m21 - m31;
    float l2 = m12 - m22 - m32;
    float l3 = m13 - m23 - m33;
    int plane = (n * m + o) * oh * ow;
    int row = (t / tilesW) * 2;
    int col = (t % tilesW) * 2;
    store(plane, row, col, oh, ow, b0 + u0 + u1 + u2);
    store(plane, row, col + 1, oh, ow, b0 + u1 - u2 - u3);
    store(plane, row + 1, col, oh, ow, b0 + l0 + l1 + l2);
    store(plane, row + 1, col + 1, oh, ow, b0 + l1 - l2 - l3);
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
