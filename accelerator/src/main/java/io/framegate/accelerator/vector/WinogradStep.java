package io.framegate.accelerator.vector;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 3×3, stride-1, ungrouped convolution by Winograd's F(T×T, 3×3), T = 2 or 4: each T×T block of
 * outputs is {@code Y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A} over a (T + 2)×(T + 2) input patch d, so the 9·T²
 * multiply-adds per channel become (T + 2)² (16 for 4 outputs, or 36 for 16), done as (T + 2)²
 * independent {@link Sgemm} products {@code M_ξ[M × B] = U_ξ[M × C]·V_ξ[C × B]} over the B output
 * blocks of all the batch's images together (so that a weight panel, once loaded, serves every
 * image). The weight transform U is packed when the plan is built; the input transform V, the
 * products and the output transform (with bias, residual and activation) run per group of blocks,
 * each phase split over the plan's workers. {@link WinogradTransforms} holds the arithmetic.
 */
final class WinogradStep implements Step {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] packedU;
  private final float[] zeros;
  private final float[] bias;
  private final float[] res;
  private final float[] y;

  /** Whether x is stored in the blocked layout. */
  private final boolean blockedIn;

  /** Whether y (and res) are stored in the blocked layout. */
  private final boolean blockedOut;

  private final int act;
  private final float p;
  private final float q;
  private final Workspace ws;
  private final int c;
  private final int m;

  /** Items of the output transform: channels, or channel blocks of a blocked output. */
  private final int outputItems;

  /** Outputs per side of a block (T). */
  private final int tile;

  /** Inputs per side of a patch (T + 2). */
  private final int span;

  /** Transformed positions ξ of a patch ((T + 2)²). */
  private final int xis;

  private final int tilesH;
  private final int tilesW;
  private final int tiles;
  private final int allTiles;
  private final int blockTiles;
  private final int panels;
  private final int rowSplits;

  /** Offset of each output block's input patch in the padded, phase-split plane. */
  private final int[] patch;

  private final int paddedW;
  private final int paddedH;

  /** Columns of each of the T phases of a row of the padded plane. */
  private final int part;

  /** Offset of patch column j from the patch's first input, in the phase-split plane. */
  private final int[] cols;

  /** Offset of patch column j in a gathered patch (rows of span·VL floats). */
  private final int[] gathered;

  /** Where a slot's plane scratch holds gathered patches, then the transforms' scratch. */
  private final int stage;

  private final int scratch;

  /**
   * Writing the T vectors of a row of outputs of VL blocks as one row of T·VL outputs: vector q
   * takes lane l of output column k = l mod T from block q·VL/T + ⌊l/T⌋, the lanes of column k
   * being {@code columnLanes[k]}.
   */
  private final VectorShuffle<Float>[] rowShuffles;

  private final VectorMask<Float>[] columnLanes;

  private final Loops.Range inputBody;
  private final Loops.Range gemmBody;
  private final Loops.Range outputBody;

  // the group of blocks being computed (of all images' blocks); written before each parallel loop
  private int t0;
  private int t1;
  private int padded;
  private int items;

  /** Whether this step can compute the convolution: 3×3, stride 1, no dilation, one group. */
  static boolean applies(ConvGeometry g) {
    return g.kh() == 3
        && g.kw() == 3
        && g.sh() == 1
        && g.sw() == 1
        && g.dh() == 1
        && g.dw() == 1
        && g.groups() == 1;
  }

  /**
   * Whether Winograd is worth it against the direct kernel ({@link BlockedConvStep}), as measured
   * per layer on the benchmark networks. With 8-float vectors (AVX2, five-position direct tiles):
   * from 33 input channels (at 32, the transforms cost more than the products save: the
   * Inception-style stem's 32-channel layers at 147×147 ran in half the time direct) and 16 output
   * channels. With 16-float vectors (AVX-512, twelve-position direct tiles at about 320 GFLOP/s):
   * from 65 input channels and 2²⁵ multiply-adds per tap: VGG-16's layers of 128 to 512 channels
   * took 0.55–0.87 of the direct time, ResNet-18's at batch 1 (c·m·n·p = 12.8M) 1.2–2.0 of it, and
   * every 64-channel layer 1.8–2.5 of it. Since the direct kernel's flat tiles, also from 2¹⁵
   * products of channels c·m or maps of 64×64: at batch 8, the Inception-style model's 35×35 layers
   * of 96 → 96 took 1.46 of the direct time and its 17×17 ones (c·m of 16384 to 30720) 1.13–1.41,
   * ResNet-18's 128 → 128 at 28×28 1.03, against 0.52–0.75 for c·m from 32768 (VGG-16, ResNet-18's
   * 14×14 and 7×7 layers); the Inception-style model's 71×71 layer of 80 → 192 (kept by its map)
   * 0.97 at batch 8 and 0.86–0.88 at batch 1.
   */
  static boolean suits(ConvGeometry g) {
    if (!applies(g) || g.m() < 16) {
      return false;
    }
    if (Sgemm.VL < 16) {
      return g.c() > 32;
    }
    return g.c() > 64
        && (long) g.c() * g.m() * g.n() * g.p() >= 1L << 25
        && (g.c() * g.m() >= 1 << 15 || g.p() >= 1 << 12);
  }

  /**
   * The block size that costs fewer multiply-adds: (T + 2)² products over the batch's blocks,
   * rounded up to whole register tiles of columns.
   */
  static int tileFor(ConvGeometry g) {
    return cost(g, 4) < cost(g, 2) ? 4 : 2;
  }

  private static long cost(ConvGeometry g, int t) {
    long blocks = (long) g.n() * ((g.oh() + t - 1) / t) * ((g.ow() + t - 1) / t);
    return (long) (t + 2) * (t + 2) * ConvStep.roundUp((int) blocks, Sgemm.NR);
  }

  @SuppressWarnings("unchecked")
  WinogradStep(
      ConvGeometry g,
      int tile,
      float[] x,
      boolean blockedIn,
      float[] w,
      float[] bias,
      float[] res,
      float[] y,
      boolean blockedOut,
      int act,
      float p,
      float q,
      Workspace ws) {
    if (tile != 2 && tile != 4) {
      throw new IllegalArgumentException("Winograd blocks are 2×2 or 4×4, not " + tile);
    }
    if ((blockedOut && !Blocked.fits(g.m())) || (blockedIn && !Blocked.fits(g.c()))) {
      throw new IllegalArgumentException("a blocked tensor needs whole channel blocks: " + g);
    }
    this.g = g;
    this.x = x;
    this.bias = bias;
    this.res = res;
    this.y = y;
    this.blockedIn = blockedIn;
    this.blockedOut = blockedOut;
    this.act = act;
    this.p = p;
    this.q = q;
    this.ws = ws;
    this.c = g.c();
    this.m = g.m();
    this.tile = tile;
    this.span = tile + 2;
    this.xis = span * span;
    this.tilesH = (g.oh() + tile - 1) / tile;
    this.tilesW = (g.ow() + tile - 1) / tile;
    this.tiles = tilesH * tilesW;
    this.allTiles = g.n() * tiles;
    this.panels = (m + Sgemm.MR - 1) / Sgemm.MR;
    this.packedU =
        pack(
            WinogradTransforms.weights(
                tile == 2 ? WinogradTransforms.G2 : WinogradTransforms.G4, w, m, c),
            m,
            c,
            panels,
            xis);
    this.zeros = new float[m];
    int fit = (ConvStep.SHARED_FLOATS / (xis * Math.max(c, m))) / Sgemm.NR * Sgemm.NR;
    this.blockTiles = Math.min(ConvStep.roundUp(allTiles, Sgemm.NR), Math.max(Sgemm.NR, fit));
    ws.requireSharedB(xis * c * blockTiles);
    ws.requireSharedC(xis * m * blockTiles);
    int colTiles = (blockTiles + Sgemm.NC - 1) / Sgemm.NC;
    int wanted = ws.slots() == 1 ? 1 : 3 * ws.slots();
    this.rowSplits =
        Math.max(1, Math.min(panels, (wanted + xis * colTiles - 1) / (xis * colTiles)));
    // the input plane is copied with explicit zero padding, so every patch is inside it, and
    // each row split into T phases, padded column j going to (j mod T)·part + ⌊j/T⌋: column j of
    // the patches of a row of blocks is then one contiguous run
    this.part = tilesW + 1;
    this.paddedW = tile * part;
    this.paddedH = tile * tilesH + 2;
    this.cols = new int[span];
    this.gathered = new int[span];
    for (int j = 0; j < span; j++) {
      cols[j] = (j % tile) * part + j / tile;
      gathered[j] = j * VL;
    }
    this.stage = paddedW * paddedH;
    this.scratch = stage + xis * VL;
    ws.requirePlane(scratch + xis * VL);
    this.patch = new int[ConvStep.roundUp(tiles, VL)];
    for (int t = 0; t < tiles; t++) {
      patch[t] = (t / tilesW) * tile * paddedW + t % tilesW;
    }
    this.rowShuffles = new VectorShuffle[tile];
    this.columnLanes = new VectorMask[tile];
    for (int k = 0; k < tile; k++) {
      int first = k * VL / tile;
      rowShuffles[k] = VectorShuffle.fromOp(S, l -> first + l / tile);
      boolean[] lanes = new boolean[VL];
      for (int l = 0; l < VL; l++) {
        lanes[l] = l % tile == k;
      }
      columnLanes[k] = VectorMask.fromArray(S, lanes, 0);
    }
    this.inputBody =
        (lo, hi) -> {
          for (int slot = lo; slot < hi; slot++) {
            float[] xp = ws.plane(slot);
            for (int ch = ws.claimItem(slot); ch >= 0; ch = ws.claimItem(slot)) {
              transformInput(ch, xp);
            }
          }
        };
    this.gemmBody =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            float[] edge = ws.edge(s);
            for (int item = ws.claimItem(s); item >= 0; item = ws.claimItem(s)) {
              multiply(item, edge);
            }
          }
        };
    // a blocked output is written a channel block per item: the block's channels share cache lines
    int perItem = blockedOut ? VL : 1;
    this.outputItems = (m + perItem - 1) / perItem;
    this.outputBody =
        (lo, hi) -> {
          for (int slot = lo; slot < hi; slot++) {
            float[] sp = ws.plane(slot);
            for (int item = ws.claimItem(slot); item >= 0; item = ws.claimItem(slot)) {
              for (int o = item * perItem; o < (item + 1) * perItem; o++) {
                transformOutput(o, sp);
              }
            }
          }
        };
  }

  /**
   * The transformed kernels {@code u[(ξ·M + o)·C + i]} packed per ξ as MR-row panels over K = C.
   */
  private static float[] pack(float[] u, int m, int c, int panels, int xis) {
    float[] packed = new float[xis * panels * c * Sgemm.MR];
    for (int xi = 0; xi < xis; xi++) {
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
      padded = ConvStep.roundUp(t1 - t0, Sgemm.NR);
      items = xis * ((padded + Sgemm.NC - 1) / Sgemm.NC) * rowSplits;
      ws.resetItems(c);
      loops.forRange(ws.slots(), inputBody);
      ws.resetItems(items);
      loops.forRange(ws.slots(), gemmBody);
      ws.resetItems(outputItems);
      loops.forRange(ws.slots(), outputBody);
    }
  }

  /**
   * V_ξ(ch, b) = (Bᵀ·d·B)_ξ for the patch d of channel ch under output block b (zero outside the
   * image), written as NR-column panels {@code [ξ][b/NR][ch][b%NR]}, VL blocks at a time. Each
   * image's channel is first copied into {@code xp} with its zero padding explicit. VL blocks in
   * one row of blocks are transformed where they lie; other runs of VL (across rows of blocks or
   * images) are gathered first.
   */
  private void transformInput(int ch, float[] xp) {
    float[] v = ws.sharedB();
    int xiStride = c * padded;
    int count = t1 - t0;
    for (int n = t0 / tiles; n * tiles < t1; n++) {
      int lo = Math.max(t0, n * tiles);
      int hi = Math.min(t1, (n + 1) * tiles);
      // the plane with its zero padding explicit, each row as its T phases: padded (r, j) goes to
      // r·paddedW + (j mod T)·part + ⌊j/T⌋
      DepthwiseKernels.padPlane(
          x,
          n * c + ch,
          blockedIn ? VL : 1,
          g.h(),
          g.w(),
          g.ph(),
          g.pw(),
          tile,
          paddedH,
          part,
          xp,
          0f);
      for (int at = lo; at < hi; at++) {
        int jj = at - t0;
        int lane = jj & (VL - 1);
        int t = at - n * tiles;
        int dst = columnRun(jj, ch);
        if (lane == 0 && at + VL <= hi) {
          if (t % tilesW + VL <= tilesW) {
            transform(xp, patch[t], paddedW, cols, v, dst, xiStride);
          } else {
            gatherPatches(xp, t, xp, stage);
            transform(xp, stage, span * VL, gathered, v, dst, xiStride);
          }
          at += VL - 1;
          continue;
        }
        // a run of VL blocks that crosses images or ends the group: gathered lane by lane
        gatherOne(xp, t, lane);
        if (lane == VL - 1 || jj == count - 1) {
          for (int l = lane + 1; l < VL; l++) {
            for (int k = 0; k < xis; k++) {
              xp[stage + k * VL + l] = 0f;
            }
          }
          transform(xp, stage, span * VL, gathered, v, dst, xiStride);
        }
      }
    }
    for (int jj = ConvStep.roundUp(count, VL); jj < padded; jj += VL) {
      int dst = columnRun(jj, ch);
      for (int xi = 0; xi < xis; xi++) {
        java.util.Arrays.fill(v, xi * xiStride + dst, xi * xiStride + dst + VL, 0f);
      }
    }
  }

  /**
   * Where the run of VL columns holding product column jj starts in row ch of a transformed
   * position's NR-column panels.
   */
  private int columnRun(int jj, int ch) {
    return (jj >> Sgemm.NR_SHIFT) * c * Sgemm.NR + ch * Sgemm.NR + (jj & (Sgemm.NR - VL));
  }

  private void transform(
      float[] src, int b, int rowStride, int[] offsets, float[] v, int dst, int xiStride) {
    if (tile == 2) {
      WinogradTransforms.input2(src, b, rowStride, offsets, src, scratch, v, dst, xiStride);
    } else {
      WinogradTransforms.input4(src, b, rowStride, offsets, src, scratch, v, dst, xiStride);
    }
  }

  /**
   * Copies the patches of the VL blocks from block t on into {@code st} from {@code base}, patch
   * position (i, j) as VL contiguous lanes at base + (i·span + j)·VL.
   */
  private void gatherPatches(float[] xp, int t, float[] st, int base) {
    for (int i = 0; i < span; i++) {
      for (int j = 0; j < span; j++) {
        Sgemm.gather(xp, i * paddedW + cols[j], patch, t, st, base + (i * span + j) * VL);
      }
    }
  }

  /** Copies the patch of block t into lane {@code lane} of the gathered patches. */
  private void gatherOne(float[] xp, int t, int lane) {
    for (int i = 0; i < span; i++) {
      for (int j = 0; j < span; j++) {
        xp[stage + (i * span + j) * VL + lane] = xp[patch[t] + i * paddedW + cols[j]];
      }
    }
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
   * Y = Aᵀ·M·A per output block of channel o, plus bias, residual and activation, VL blocks at a
   * time into {@code sp} (from {@link #stage}: T² vectors, then the transform's scratch). In the
   * plain layout, VL blocks inside one row of blocks, all inside the image, are written as T rows
   * of T·VL outputs; others (row ends, small images), and every block of a blocked output, output
   * by output, clipped to the image.
   */
  private void transformOutput(int o, float[] sp) {
    float[] mm = ws.sharedC();
    int xs = m * padded;
    int count = t1 - t0;
    // blocks whose outputs are all inside the image
    int fullW = g.ow() / tile;
    int fullH = g.oh() / tile;
    float b0 = bias == null ? 0f : bias[o];
    for (int jj = 0; jj < count; jj += VL) {
      if (tile == 2) {
        WinogradTransforms.output2(mm, o * padded + jj, xs, b0, sp, scratch, sp, stage);
      } else {
        WinogradTransforms.output4(mm, o * padded + jj, xs, b0, sp, scratch, sp, stage);
      }
      int at = t0 + jj;
      int n = at / tiles;
      int t = at - n * tiles;
      int tr = t / tilesW;
      int tc = t - tr * tilesW;
      if (!blockedOut && jj + VL <= count && tr < fullH && tc + VL <= fullW) {
        int ow = g.ow();
        storeRows(sp, (n * m + o) * g.oh() * ow + tile * (tr * ow + tc));
      } else {
        storeEach(o, sp, jj, Math.min(VL, count - jj));
      }
    }
  }

  /**
   * Writes T rows of T·VL outputs from {@code i} on: the VL blocks' outputs, whose (r, k) vectors
   * are at {@code sp[stage + (r·T + k)·VL]}, interleaved by column.
   */
  private void storeRows(float[] sp, int i) {
    int ow = g.ow();
    boolean clamp = act == Activation.RELU || act == Activation.CLIP;
    // the clamp by compares and blends (see BlockedConvStep#clampLo)
    FloatVector lo = FloatVector.broadcast(S, Sgemm.clampLow(act, p));
    FloatVector hi = FloatVector.broadcast(S, Sgemm.clampHigh(act, q));
    for (int r = 0; r < tile; r++) {
      int row = stage + r * tile * VL;
      int at = i + r * ow;
      for (int v = 0; v < tile; v++) {
        VectorShuffle<Float> shuffle = rowShuffles[v];
        FloatVector out = FloatVector.fromArray(S, sp, row).rearrange(shuffle);
        for (int k = 1; k < tile; k++) {
          out =
              out.blend(
                  FloatVector.fromArray(S, sp, row + k * VL).rearrange(shuffle), columnLanes[k]);
        }
        if (res != null) {
          out = out.add(FloatVector.fromArray(S, res, at + v * VL));
        }
        if (clamp) {
          out = out.blend(lo, out.compare(VectorOperators.LE, lo));
          out = out.blend(hi, out.compare(VectorOperators.GT, hi));
        }
        out.intoArray(y, at + v * VL);
      }
      if (act != Activation.NONE && !clamp) {
        for (int j = at; j < at + tile * VL; j++) {
          y[j] = Activation.apply(act, y[j], p, q);
        }
      }
    }
  }

  /**
   * Writes the outputs of the first {@code lanes} of the VL blocks from jj on one by one, clipped
   * to the image, in the output's layout (a blocked output's positions are VL floats apart).
   * Without a residual, a ReLU or clip runs on the vectors first, so that the stores are plain
   * copies.
   */
  private void storeEach(int o, float[] sp, int jj, int lanes) {
    int oh = g.oh();
    int ow = g.ow();
    boolean clamp = act == Activation.RELU || act == Activation.CLIP;
    boolean copy = res == null && (act == Activation.NONE || clamp);
    if (res == null && clamp) {
      // by compares and blends (see BlockedConvStep#clampLo)
      FloatVector lo = FloatVector.broadcast(S, Sgemm.clampLow(act, p));
      FloatVector hi = FloatVector.broadcast(S, Sgemm.clampHigh(act, q));
      for (int v = stage; v < stage + tile * tile * VL; v += VL) {
        FloatVector u = FloatVector.fromArray(S, sp, v);
        u = u.blend(lo, u.compare(VectorOperators.LE, lo));
        u.blend(hi, u.compare(VectorOperators.GT, hi)).intoArray(sp, v);
      }
    }
    for (int l = 0; l < lanes; l++) {
      int at = t0 + jj + l;
      int n = at / tiles;
      int t = at - n * tiles;
      int row0 = (t / tilesW) * tile;
      int col0 = (t % tilesW) * tile;
      int rows = Math.min(tile, oh - row0);
      int cols = Math.min(tile, ow - col0);
      int first =
          blockedOut
              ? ((n * m + o - o % VL) * oh * ow + (row0 * ow + col0) * VL) + o % VL
              : (n * m + o) * oh * ow + row0 * ow + col0;
      int unit = blockedOut ? VL : 1;
      for (int r = 0; r < rows; r++) {
        int src = stage + r * tile * VL + l;
        int dst = first + r * ow * unit;
        if (copy) {
          for (int k = 0; k < cols; k++) {
            y[dst + k * unit] = sp[src + k * VL];
          }
        } else {
          for (int k = 0; k < cols; k++) {
            int d = dst + k * unit;
            float v = sp[src + k * VL] + (res == null ? 0f : res[d]);
            y[d] = Activation.apply(act, v, p, q);
          }
        }
      }
    }
  }
}
