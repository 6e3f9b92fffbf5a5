package io.framegate.accelerator.vector;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A direct convolution (one group) computed in the {@link Blocked blocked} layout: a register tile
 * of {@link #TILE} output positions × two blocks of VL output channels accumulates {@code Σ_kk
 * x(pos, kk) · W(kk)[block]} over every (input channel, tap) pair kk, broadcasting one input value
 * per position against two weight vectors. The kernel reads position i's value at one index plus
 * {@code i·VL}, so that the JIT checks the tile's reads' bounds together: a blocked input is read
 * in place when the tile's inputs lie VL floats apart (one row at stride 1, or across rows when
 * each row's inputs continue the last one's); any other tile (plain input, stride, a tile across
 * rows or images) first gathers its inputs into that form: inside the work item, for the item's
 * group of output blocks, or, when the layer's tiles are seldom read in place and its output blocks
 * form several groups, in one pass before the work items, so that each tile is gathered once per
 * run. A layer whose gathered tiles would not stay in L2 and whose rows would make most tiles
 * gathered (short rows, or a stride with padding) instead runs its tiles over whole rows of the
 * padded input (split into phases when strided), computing a few positions per row it discards, and
 * reads every tile in place ({@link #flat}). Nothing is lowered; the input is copied whole only
 * when the convolution pads it. Any kernel size, stride and dilation; a plain output may have any
 * channel count: it is computed blocked into the workspace's product block, then reordered to the
 * plain layout with its residual and activation in a pass of its own. Weights are packed per pair
 * of output blocks when the plan is built. A long reduction runs in slices, each over all of a work
 * item's tiles, the partial sums kept in the (blocked) output. Bias, residual and activation are
 * applied while the tile is in registers or L1.
 */
final class BlockedConvStep implements Step {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Sgemm.VL;

  /**
   * Output positions per register tile: twelve where there are 32 vector registers (AVX-512, whose
   * vectors hold 16 floats), five where there are 16 (AVX2).
   */
  static final int TILE = VL >= 16 ? 12 : 5;

  /** Positions of the narrow kernels, which also take a short last tile where TILE is twelve. */
  private static final int NARROW = 5;

  /**
   * Where a work slot's int array holds each kk's input index for the current tile ({@code x0 +
   * o[kk]} of {@link #tile2}), read by the twelve-position kernels.
   */
  static final int READS = 2 * TILE;

  /** Positions per work item of the pass that reorders a plain output from its blocked staging. */
  private static final int REORDER_BAND = 512;

  /**
   * Bytes of one pair of output blocks' weights for a slice of the reduction: reductions longer
   * than two slices run slice by slice over a chunk's tiles, the slice's weights staying in L2
   * while the tiles pass over them. Slices that L1 holds (16 KiB) cost more in partial sums stored
   * and reloaded, and in tile set-up, than they save: on the AMD EPYC (Zen 5) machine a stack of
   * ResNet-18's 7×7×512 layers at batch 1 ran 1.45 times as fast unsliced as in 16 KiB slices.
   */
  private static final int SLICE_BYTES = 128 * 1024;

  /**
   * Reductions up to this length finish a tile in registers (see {@link #clampEpilogue}); longer
   * ones gain nothing measurable from it.
   */
  private static final int SHORT = 512;

  /**
   * About what one core's L2 holds: a layer's (gathered) inputs above it are read once per slice of
   * weights, and its weights above it are touched one slice ahead.
   */
  private static final long L2_BYTES = 2L << 20;

  /** Floats of a cache line. */
  private static final int LINE_FLOATS = 16;

  /**
   * A stride-1 layer runs {@link #flat} when at most one position in this many is computed and not
   * kept (Inception's 1×7 layers on 17-wide maps discard 3 of 20). Wider rows, where a tile spans
   * two rows once a row, gain nothing from it: their few gathered tiles cost less than the
   * discarded positions.
   */
  private static final int FLAT_WASTE = 5;

  /**
   * A strided layer runs {@link #flat} (where its tiles would be gathered once per run) when its
   * flat tiles compute at most one position in this many more than it keeps: ResNet-18's 3×3
   * stride-2 layer to 28×28 computes 816 for 784 and gains; the one to 14×14, 216 for 196, loses.
   */
  private static final int STRIDED_WASTE = 20;

  /** Bytes of packed weights a work item keeps hot (its output blocks' weights, in L2). */
  private static final int WEIGHT_BYTES = 192 * 1024;

  private final ConvGeometry g;
  private final float[] x;
  private final boolean blockedIn;
  private final float[] packed;
  private final float[] bias;
  private final float[] res;
  private final float[] y;
  private final boolean blockedOut;
  private final int act;
  private final float p;
  private final float q;
  private final Workspace ws;

  /**
   * Whether the kernels finish a blocked output themselves (no residual; no activation, or ReLU or
   * Clip as a clamp to [clampLo, clampHi]) rather than {@link #finish} from memory afterwards.
   */
  private final boolean clampEpilogue;

  /**
   * The clamp's bounds. The kernels clamp by two compares and two blends, {@code v = v.blend(lo,
   * v.compare(LE, lo))} and the same with GT and hi, written out at each accumulator (a helper
   * method would not be inlined into kernels this large, and a vector crossing a call is boxed):
   * four instructions where {@code max(lo).min(hi)} takes twelve on x86, Java's max and min
   * ordering −0 below +0 and returning NaN for a NaN operand, which vmaxps and vminps do not. The
   * result is Java's (a NaN passes through, v ≤ lo gives lo, v &gt; hi gives hi) but for the sign
   * of a zero result where a bound is −0.
   */
  private final float clampLo;

  private final float clampHi;

  /** Input offset of each (channel, tap) pair kk relative to a position's base. */
  private final int[] offs;

  /** Offset of each kk in a tile's gathered inputs, whose positions lie VL floats apart. */
  private final int[] gathered;

  /** Channels of the input the kernels read: C, or for a blocked input C in whole blocks. */
  private final int cIn;

  /** Length of the reduction: cIn · KH · KW. */
  private final int k;

  private final boolean padded;
  private final int hp;
  private final int wp;

  /**
   * Phases of the zero-padded copy: SH·SW for a {@link #flat} strided layer (each a plane of {@link
   * #hp} × {@link #wp} positions), otherwise one.
   */
  private final int phases;

  /** Columns of zeros before the image's columns on each row of the zero-padded input. */
  private final int padLeft;

  /**
   * Whether the tiles run over whole rows of the input, {@link #wp} positions each: a stride-1
   * layer whose output rows are shorter than the rows of its (padded) input, and shorter than two
   * tiles, so that most tiles would span two rows and be gathered. Output position (i, j) is then
   * input position (i, j) shifted by a constant, so the positions of every tile lie VL floats apart
   * and are read in place, also across rows; the last wp − OW positions of each row are computed
   * and not kept. A row's zero columns on the left serve as the right padding of the row before it
   * ({@link #padLeft} is the larger of the two), and one more row of zeros after the last takes the
   * reads of the last row's discarded positions. A strided layer that pads (whose tiles would all
   * be gathered) runs flat over the {@link #phases} of its zero-padded copy: in each, its taps step
   * one position per output position, as at stride 1.
   */
  private final boolean flat;

  /** Flat: the positions computed per image, (OH − 1)·wp + OW (not the last row's discarded). */
  private final int flatPositions;

  /** Flat: tiles per image (a tile does not cross images). */
  private final int tilesPerImage;

  /** Flat: the input position of output position 0, (padLeft − left padding). */
  private final int flatShift;

  private final int unit;

  /**
   * Whether a plain input of C channels with C·SH·SW ≤ VL is read from a copy laid out on the
   * stride's grid of the zero-padded input, hp × wp positions of one block each, lane (c, ph, pw)
   * of position (r, j) holding channel c at row r·SH + ph, column j·SW + pw (see {@link
   * #packLanes}). Every tap then steps one position per output position, as a blocked input at
   * stride 1 does, and a tile on one output row reads in place instead of gathering its inputs a
   * position at a time. Taken only where {@link #stepped} is not (five-position tiles, on machines
   * with 16 vector registers): the copy costs more than reading the plain input in place at its
   * stride (measured on a 3×3 stride-2 first layer of 32 channels, 1.10× as fast without it).
   */
  private final boolean lanePacked;

  /**
   * Whether a plain input that is not {@link #lanePacked} is read in place by {@link #tile2Stepped}
   * or {@link #tile1Stepped} when a tile lies on one row, its positions {@link #colStep} floats
   * apart, rather than gathered a float at a time (twelve-position tiles only). Tiles across two
   * rows, and an image's short last one, are still gathered.
   */
  private final boolean stepped;

  /** Input rows and columns between two output positions' bases: the stride, or one on the grid. */
  private final int rowStep;

  private final int colStep;

  /** Floats of one image of the input the kernels read. */
  private final int inImage;

  private final int positions;
  private final int tiles;
  private final int blocks;
  private final int pairsPerGroup;
  private final int groups;
  private final int chunks;
  private final int tilesPerChunk;

  /** Work items of the zero-padded copy (see {@link #pad}). */
  private final int padRows;

  /** Bands of rows the zero-padded copy of each plain channel or block is split into. */
  private final int padBands;

  /** Plain channels, or channel blocks, of an image of the input. */
  private final int padUnits;

  /** Length of the reduction's slices (k when there is one slice). */
  private final int slice;

  /**
   * Whether every tile's inputs are gathered once per run, before the work items (which then read
   * them in place), rather than by each group of output blocks that uses the tile.
   */
  private final boolean pregather;

  /** Floats of one tile's gathered inputs. */
  private final int tileFloats;

  /**
   * Whether a tile whose positions lie on one row reads its inputs in place (blocked, stride 1).
   */
  private final boolean inPlace;

  /**
   * The bias of each output block repeated for each position of a tile ([block][TILE][VL]): where
   * the twelve-position kernels' accumulators start on a reduction's first slice.
   */
  private final float[] biasTile;

  /** Offset of each position's row in a block of {@link #biasTile}. */
  private static final int[] biasRows = new int[TILE];

  static {
    for (int i = 0; i < TILE; i++) {
      biasRows[i] = i * VL;
    }
  }

  /**
   * Whether the layer's weights are more than L2 holds, so that each slice's come from farther
   * away: they are then touched one slice ahead (see {@link #work}).
   */
  private final boolean touchWeights;

  /**
   * Where the weight touches' sum goes, so that the JIT keeps their loads (written by any worker;
   * never read).
   */
  private float sink;

  private final Loops.Range padBody;
  private final Loops.Range gatherBody;
  private final Loops.Range body;

  /** A plain output's reorder pass: (image, output block, band of REORDER_BAND positions). */
  private final Loops.Range reorderBody;

  private final int reorderBands;

  /**
   * @param blockedIn whether x is blocked (C a multiple of VL) or plain
   * @param w weights M×C×KH×KW
   * @param bias M values or null
   * @param res residual with the output's shape and layout, or null
   * @param blockedOut whether y (and res) are blocked (M a multiple of VL) or plain (any M)
   * @param anyFlat run {@link #flat} wherever the layer can, whatever its size (false but in tests:
   *     small layers otherwise gather their tiles)
   */
  BlockedConvStep(
      ConvGeometry g,
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
      Workspace ws,
      boolean anyFlat) {
    if (g.groups() != 1) {
      throw new IllegalArgumentException("not a blocked convolution: " + g);
    }
    this.g = g;
    this.x = x;
    this.blockedIn = blockedIn;
    this.res = res;
    this.y = y;
    this.blockedOut = blockedOut;
    this.act = act;
    this.p = p;
    this.q = q;
    this.ws = ws;
    // a blocked input's channels in whole blocks: the padding lanes of a last block that C does
    // not fill are read like channels, against zero weights
    this.cIn = blockedIn ? Blocked.padded(g.c()) : g.c();
    this.k = cIn * g.kh() * g.kw();
    this.clampEpilogue =
        res == null
            && k <= SHORT
            && (act == Activation.NONE || act == Activation.RELU || act == Activation.CLIP);
    this.clampLo = Sgemm.clampLow(act, p);
    this.clampHi = Sgemm.clampHigh(act, q);
    // a plain output may have any number of channels: the last block is then zero-padded
    this.blocks = (g.m() + VL - 1) / VL;
    this.bias = new float[blocks * VL];
    if (bias != null) {
      System.arraycopy(bias, 0, this.bias, 0, g.m());
    }
    this.biasTile = new float[blocks * TILE * VL];
    for (int b = 0; b < blocks; b++) {
      for (int i = 0; i < TILE; i++) {
        System.arraycopy(this.bias, b * VL, biasTile, (b * TILE + i) * VL, VL);
      }
    }
    // the padded input covers every tap of every output position
    int needH = (g.oh() - 1) * g.sh() + (g.kh() - 1) * g.dh() + 1;
    int needW = (g.ow() - 1) * g.sw() + (g.kw() - 1) * g.dw() + 1;
    // a plain input of few channels: one block per position of the stride's grid
    this.stepped = !blockedIn && TILE == 12;
    this.lanePacked =
        !blockedIn && !stepped && g.dh() == 1 && g.dw() == 1 && g.c() * g.sh() * g.sw() <= VL;
    this.padded = lanePacked || g.ph() > 0 || g.pw() > 0 || needH > g.h() || needW > g.w();
    int fullH = Math.max(g.h() + g.ph(), needH);
    int fullW = Math.max(g.w() + g.pw(), needW);
    int padRight = Math.max(0, needW - g.w() - g.pw());
    boolean strided = g.sh() > 1 || g.sw() > 1;
    // positions per row of flat tiles: a stride-1 layer's rows share their padding; a strided
    // layer's are rows of a phase of the padded copy
    int rowLength = strided ? (fullW + g.sw() - 1) / g.sw() : g.w() + Math.max(g.pw(), padRight);
    this.positions = g.n() * g.p();
    int kc = SLICE_BYTES / (2 * VL * Float.BYTES);
    this.slice = k > 2 * kc ? kc : k;
    // the output blocks whose weights a work item keeps hot: their whole reduction's, or, when
    // the layer's inputs are more than L2 holds (each group reads them all) and it is sliced, a
    // slice's, so that each slice of a tile's input is read once for more blocks
    int pairs = (blocks + 1) / 2;
    boolean bigInput = (long) k * positions * Float.BYTES > L2_BYTES;
    int hot = slice < k && bigInput ? slice : k;
    this.pairsPerGroup = Math.max(1, Math.min(pairs, WEIGHT_BYTES / (hot * 2 * VL * 4)));
    this.groups = (pairs + pairsPerGroup - 1) / pairsPerGroup;
    // a strided layer runs flat only where its tiles would be gathered once per run (several
    // groups of output blocks) into more than half of L2, and its flat tiles compute at most one
    // position in STRIDED_WASTE more than it keeps (its rows' discarded positions and each image's
    // last tile): measured, tiles gathered into L2 are read as fast as the input in place, a
    // single group's tiles gathered per work item cost less than the phase-split copy (which moves
    // a position at a time), and on small maps the discarded positions cost more than the gathers
    long gatheredBytes =
        (long) g.n() * g.p() / TILE * ((k + VL - 1) / VL) * TILE * VL * Float.BYTES;
    long flatComputed =
        (long) g.n() * (((g.oh() - 1) * rowLength + g.ow() + TILE - 1) / TILE) * TILE;
    boolean stridedFlat =
        groups > 1
            && gatheredBytes > L2_BYTES / 2
            && (flatComputed - positions) * STRIDED_WASTE <= positions;
    this.flat =
        blockedIn
            && blockedOut
            && (strided ? padded : rowLength > g.ow())
            && (rowLength - g.ow()) * FLAT_WASTE <= rowLength
            && (anyFlat || (strided ? stridedFlat : g.ow() < 2 * TILE));
    this.phases = flat ? g.sh() * g.sw() : 1;
    this.padLeft = flat && !strided ? rowLength - g.w() : g.pw();
    if (!padded) {
      this.hp = g.h();
      this.wp = g.w();
    } else if (lanePacked) {
      this.hp = (fullH + g.sh() - 1) / g.sh();
      this.wp = (fullW + g.sw() - 1) / g.sw();
    } else if (flat) {
      this.hp = (fullH + g.sh() - 1) / g.sh() + 1;
      this.wp = rowLength;
    } else {
      this.hp = fullH;
      this.wp = fullW;
    }
    this.flatPositions = (g.oh() - 1) * wp + g.ow();
    this.tilesPerImage = (flatPositions + TILE - 1) / TILE;
    this.flatShift = padLeft - g.pw();
    this.unit = blockedIn || lanePacked ? VL : 1;
    this.rowStep = lanePacked ? 1 : g.sh();
    this.colStep = lanePacked ? 1 : g.sw();
    this.inImage = lanePacked ? hp * wp * VL : cIn * hp * wp;
    // whole vectors of offsets: a plain input's gather reads VL of them at a time, the ones past
    // k reading the position's first input (stored past the reduction, never multiplied)
    this.offs = new int[(k + VL - 1) / VL * VL];
    this.gathered = new int[k];
    int plane = phases * hp * wp;
    // the order the reduction reads (channel, tap) pairs in: ONNX's for a plain input; for a
    // blocked one, a channel block's VL lanes of each tap in turn, so that VL consecutive reads
    // are adjacent floats (the weights are packed in the same order)
    int[] order = new int[k];
    int taps = g.kh() * g.kw();
    for (int c = 0, onnx = 0; c < cIn; c++) {
      int chan = blockedIn ? (c / VL) * plane * VL + c % VL : c * plane;
      for (int a = 0; a < g.kh(); a++) {
        for (int b = 0; b < g.kw(); b++, onnx += c < g.c() ? 1 : 0) {
          int kk = blockedIn ? ((c / VL) * taps + a * g.kw() + b) * VL + c % VL : onnx;
          int ra = a * g.dh();
          int rb = b * g.dw();
          int phase = (ra % g.sh()) * g.sw() + rb % g.sw();
          if (lanePacked) {
            // tap (a, b) of channel c: lane (c, a mod SH, b mod SW) of grid position (a/SH, b/SW)
            int lane = (c * g.sh() + a % g.sh()) * g.sw() + b % g.sw();
            offs[kk] = ((a / g.sh()) * wp + b / g.sw()) * VL + lane;
          } else {
            offs[kk] =
                chan
                    + (phases == 1
                            ? ra * wp + rb
                            : phase * hp * wp + (ra / g.sh()) * wp + rb / g.sw())
                        * unit;
          }
          order[kk] = c < g.c() ? onnx : -1;
          gathered[kk] = (kk / VL) * TILE * VL + kk % VL;
        }
      }
    }
    this.packed = pack(w, g.m(), g.k(), order);
    this.touchWeights = (long) packed.length * Float.BYTES > L2_BYTES;
    this.tileFloats = (k + VL - 1) / VL * TILE * VL;
    ws.requirePlane(tileFloats);
    ws.requireInts(READS + k);
    if (padded) {
      ws.requirePadded(lanePacked ? g.n() * hp * wp * VL : g.n() * cIn * plane);
    }
    this.tiles = flat ? g.n() * tilesPerImage : (positions + TILE - 1) / TILE;
    int wanted = ws.slots() == 1 ? 1 : 4 * ws.slots();
    this.chunks = Math.max(1, Math.min(tiles, (wanted + groups - 1) / groups));
    this.tilesPerChunk = (tiles + chunks - 1) / chunks;
    this.padUnits = blockedIn ? cIn / VL : g.c();
    this.padBands = lanePacked || phases > 1 ? 1 : Math.min(hp, 2 * ws.slots());
    this.padRows = lanePacked ? g.n() * hp : g.n() * padBands * padUnits;
    this.inPlace = (blockedIn && g.sw() == 1) || lanePacked || stepped;
    // tiles that serve several groups and are never, or seldom, read in place: stride, plain
    // input, or rows shorter than two tiles (most tiles then span two rows) unless one row's
    // inputs continue where the last one's end (1×1, no padding: tiles across rows are in place)
    this.pregather = !flat && groups > 1 && (!inPlace || (g.ow() < 2 * TILE && wp != g.ow()));
    if (pregather) {
      ws.requireSharedX(tiles * tileFloats);
    }
    if (!blockedOut) {
      ws.requireSharedC(g.n() * blocks * g.p() * VL);
    }
    this.reorderBands = (g.p() + REORDER_BAND - 1) / REORDER_BAND;
    this.reorderBody =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            for (int item = ws.claimItem(s); item >= 0; item = ws.claimItem(s)) {
              reorder(item);
            }
          }
        };
    this.padBody = (lo, hi) -> pad(lo, hi);
    this.gatherBody =
        (lo, hi) -> {
          float[] src = input();
          for (int s = lo; s < hi; s++) {
            int[] bases = ws.ints(s);
            for (int t = ws.claimItem(s); t >= 0; t = ws.claimItem(s)) {
              inputBases(t, bases);
              gather(src, bases, ws.sharedX(), t * tileFloats, 0, k);
            }
          }
        };
    this.body =
        (lo, hi) -> {
          for (int s = lo; s < hi; s++) {
            int[] bases = ws.ints(s);
            for (int item = ws.claimItem(s); item >= 0; item = ws.claimItem(s)) {
              work(item, bases, s);
            }
          }
        };
  }

  /**
   * W packed as [pair of output blocks][kk][2·VL] (the last block alone as [kk][VL] when the blocks
   * are odd), row kk holding ONNX's column {@code order[kk]} (ONNX's kk = (c·KH + a)·KW + b) of the
   * M×{@code onnxK} weights, or zeros where order[kk] is negative (an input's padding lane).
   */
  private static float[] pack(float[] w, int m, int onnxK, int[] order) {
    int k = order.length;
    int blocks = (m + VL - 1) / VL;
    float[] out = new float[blocks * VL * k];
    for (int blk = 0; blk < blocks; blk++) {
      int pair = blk / 2;
      boolean single = pair * 2 + 1 == blocks;
      int width = single ? VL : 2 * VL;
      int base = pair * 2 * VL * k + (blk % 2) * VL;
      for (int lane = 0; lane < VL && blk * VL + lane < m; lane++) {
        int oc = blk * VL + lane;
        for (int kk = 0; kk < k; kk++) {
          out[base + kk * width + lane] = order[kk] < 0 ? 0f : w[oc * onnxK + order[kk]];
        }
      }
    }
    return out;
  }

  @Override
  public void run(Loops loops) {
    if (padded) {
      loops.forRange(padRows, padBody);
    }
    if (pregather) {
      ws.resetItems(tiles);
      loops.forRange(ws.slots(), gatherBody);
    }
    ws.resetItems(groups * chunks);
    loops.forRange(ws.slots(), body);
    if (!blockedOut) {
      ws.resetItems(g.n() * blocks * reorderBands);
      loops.forRange(ws.slots(), reorderBody);
    }
  }

  /** The input the kernels read: the zero-padded copy when the convolution pads. */
  private float[] input() {
    return padded ? ws.padded() : x;
  }

  /**
   * Makes items [lo, hi) of the zero-padded input: (image, band of rows, plain channel or block),
   * in that order, so that each thread's share is a run of rows over all channels, as its share of
   * the tiles is; a channel block's whole plane split by phase; or, when {@link #lanePacked}, rows
   * of the grid (over the batch).
   */
  private void pad(int lo, int hi) {
    if (lanePacked) {
      packLanes(lo, hi);
      return;
    }
    float[] dst = ws.padded();
    int rowLen = g.w() * unit;
    int plane = phases * hp * wp * unit;
    if (phases > 1) {
      for (int r = lo; r < hi; r++) {
        java.util.Arrays.fill(dst, r * plane, (r + 1) * plane, 0f);
        phaseSplit(r * g.h() * rowLen, dst, r * plane);
      }
      return;
    }
    int perImage = padBands * padUnits;
    for (int item = lo; item < hi; item++) {
      int n = item / perImage;
      int rest = item - n * perImage;
      int band = rest / padUnits;
      int r = n * padUnits + rest - band * padUnits;
      for (int row = band * hp / padBands; row < (band + 1) * hp / padBands; row++) {
        int d = r * plane + row * wp * unit;
        int i = row - g.ph();
        if (i < 0 || i >= g.h()) {
          java.util.Arrays.fill(dst, d, d + wp * unit, 0f);
          continue;
        }
        int at = d + padLeft * unit;
        java.util.Arrays.fill(dst, d, at, 0f);
        System.arraycopy(x, (r * g.h() + i) * rowLen, dst, at, rowLen);
        java.util.Arrays.fill(dst, at + rowLen, d + wp * unit, 0f);
      }
    }
  }

  /**
   * Fills rows [lo, hi) (image · hp + row) of the {@link #lanePacked} input: lane (c, ph, pw) of
   * grid position (r, j) holds channel c of the zero-padded input at row r·SH + ph, column j·SW +
   * pw.
   */
  private void packLanes(int lo, int hi) {
    float[] dst = ws.padded();
    int sh = g.sh();
    int sw = g.sw();
    for (int row = lo; row < hi; row++) {
      int n = row / hp;
      int r = row - n * hp;
      int d = row * wp * VL;
      java.util.Arrays.fill(dst, d, d + wp * VL, 0f);
      for (int c = 0; c < g.c(); c++) {
        for (int ph = 0; ph < sh; ph++) {
          int i = r * sh + ph - g.ph();
          if (i < 0 || i >= g.h()) {
            continue;
          }
          int s = ((n * g.c() + c) * g.h() + i) * g.w();
          for (int pw = 0; pw < sw; pw++) {
            // the first grid column whose column phase pw lies inside the image
            int j = Math.max(0, (g.pw() - pw + sw - 1) / sw);
            int to = d + j * VL + (c * sh + ph) * sw + pw;
            for (int col = j * sw + pw - g.pw(); col < g.w(); col += sw, to += VL) {
              dst[to] = x[s + col];
            }
          }
        }
      }
    }
  }

  /** One item: a chunk of position tiles × a group of output-block pairs. */
  private void work(int item, int[] bases, int slot) {
    int group = item % groups;
    int chunk = item / groups;
    int t0 = chunk * tilesPerChunk;
    int t1 = Math.min(tiles, t0 + tilesPerChunk);
    int pair0 = group * pairsPerGroup;
    int pair1 = Math.min((blocks + 1) / 2, pair0 + pairsPerGroup);
    float[] src = input();
    // a plain output is staged blocked (see reorder)
    float[] out = blockedOut ? y : ws.sharedC();
    int outPlane = g.p() * VL;
    int outImage = blocks * outPlane;
    // the reduction in slices whose weights stay in L1 while the chunk's tiles pass over them
    for (int k0 = 0; k0 < k; k0 += slice) {
      int k1 = Math.min(k, k0 + slice);
      boolean first = k0 == 0;
      boolean last = k1 == k;
      // the position of the tile's first output, advanced one position at a time (no divisions)
      int pos = t0 * TILE;
      int n = pos / g.p();
      int local = pos - n * g.p();
      int oi = local / g.ow();
      int oj = local - oi * g.ow();
      for (int t = t0; t < t1; t++) {
        if (touchWeights && t == t1 - 1 && k1 < k && t1 - t0 > 1) {
          touchSlice(pair0, pair1, k1);
        }
        int count;
        if (flat) {
          count = flatBases(t, bases);
        } else {
          count = Math.min(TILE, positions - t * TILE);
          for (int i = 0; i < TILE; i++) {
            if (i < count) {
              bases[i] = n * inImage + (oi * rowStep * wp + oj * colStep) * unit;
              bases[TILE + i] = n * outImage + local * VL;
              local++;
              if (++oj == g.ow()) {
                oj = 0;
                if (++oi == g.oh()) {
                  oi = 0;
                  local = 0;
                  n++;
                }
              }
            } else {
              // past the last position: repeat the last one (read, never stored)
              bases[i] = bases[i - 1];
              bases[TILE + i] = bases[TILE + i - 1];
            }
          }
        }
        // the kernels read position i's input at x0 + o[kk] + i·VL: in place when the positions
        // lie VL floats apart in a blocked input (one row, stride 1), otherwise gathered into that
        // form
        float[] in = src;
        int x0 = bases[0];
        int[] o = offs;
        boolean steppedTile = false;
        if (pregather) {
          in = ws.sharedX();
          x0 = t * tileFloats;
          o = gathered;
        } else {
          boolean adjacent = inPlace;
          int apart = stepped ? colStep : VL;
          for (int i = 1; i < TILE && adjacent; i++) {
            adjacent = bases[i] == bases[0] + i * apart;
          }
          steppedTile = stepped && adjacent;
          if (!adjacent) {
            in = ws.plane(slot);
            gather(src, bases, in, 0, k0, k1);
            x0 = 0;
            o = gathered;
          }
        }
        if (wide(count)) {
          // the twelve-position kernels read kk's input index x0 + o[kk] from the slot's table: one
          // array in their loop instead of an array and an index, which C2 otherwise keeps in a
          // vector register and moves to an integer one on every step
          for (int kk = k0; kk < k1; kk++) {
            bases[READS + kk] = x0 + o[kk];
          }
        }
        for (int pair = pair0; pair < pair1; pair++) {
          int blk = 2 * pair;
          int width = blk + 1 < blocks ? 2 : 1;
          int o0 = blk * outPlane;
          boolean clamp = last && clampEpilogue && act != Activation.NONE;
          if (steppedTile && width == 2) {
            tile2Stepped(in, bases, blk, k0, k1, first, clamp, out, o0, o0 + outPlane, colStep);
          } else if (steppedTile) {
            tile1Stepped(in, bases, blk, k0, k1, first, clamp, out, o0, colStep);
          } else if (width == 2) {
            tile2(in, x0, o, bases, count, blk, k0, k1, first, clamp, out, TILE, o0, o0 + outPlane);
          } else {
            tile1(in, x0, o, bases, count, blk, k0, k1, first, clamp, out, TILE, o0);
          }
          if (last && !clampEpilogue && blockedOut) {
            finish(bases, count, blk, width, outPlane);
          }
        }
      }
    }
  }

  /**
   * Loads one float a cache line of the weights of the slice that starts at {@code k1}, for output
   * block pairs [pair0, pair1), so that they are in cache when that slice starts: called while the
   * current slice's last tile runs from L1.
   */
  private void touchSlice(int pair0, int pair1, int k1) {
    float touch = 0f;
    int n1 = Math.min(k, k1 + slice);
    for (int pair = pair0; pair < pair1; pair++) {
      int width = 2 * pair + 1 < blocks ? 2 : 1;
      int base = 2 * pair * VL * k;
      for (int i = base + k1 * width * VL; i < base + n1 * width * VL; i += LINE_FLOATS) {
        touch += packed[i];
      }
    }
    sink = touch;
  }

  /**
   * Copies one block of channels (VL floats a position) from {@code x} at {@code s} into the
   * zero-padded copy at {@code d} split by phase: padded row R and column C go to phase (R mod SH,
   * C mod SW), row R / SH and column C / SW of it, so that a strided layer's tap reads its output
   * positions one after the other.
   */
  private void phaseSplit(int s, float[] dst, int d) {
    for (int i = 0; i < g.h(); i++) {
      int pr = i + g.ph();
      int rowBase = d + ((pr % g.sh()) * g.sw() * hp + pr / g.sh()) * wp * VL;
      for (int j0 = 0; j0 < Math.min(g.sw(), g.w()); j0++) {
        int pc = j0 + g.pw();
        int to = rowBase + ((pc % g.sw()) * hp * wp + pc / g.sw()) * VL;
        for (int j = j0; j < g.w(); j += g.sw(), to += VL) {
          FloatVector.fromArray(S, x, s + (i * g.w() + j) * VL).intoArray(dst, to);
        }
      }
    }
  }

  /**
   * The input and output bases of flat tile t: input positions one after the other (in place), past
   * the image's last one repeating it; a discarded position's output is that of the next kept one,
   * which the kernels store after it, and the positions after a tile's last kept one are not
   * stored.
   *
   * @return the positions to store
   */
  private int flatBases(int t, int[] bases) {
    int n = t / tilesPerImage;
    int q0 = (t - n * tilesPerImage) * TILE;
    int computed = Math.min(TILE, flatPositions - q0);
    int in0 = n * cIn * phases * hp * wp + (q0 + flatShift) * VL;
    int out0 = n * blocks * g.p() * VL;
    int oi = q0 / wp;
    int oj = q0 - oi * wp;
    int count = 0;
    for (int i = 0; i < TILE; i++) {
      if (i < computed) {
        bases[i] = in0 + i * VL;
        // a discarded position (oj ≥ OW) stores where the next row's first one does
        bases[TILE + i] = out0 + (oj < g.ow() ? oi * g.ow() + oj : (oi + 1) * g.ow()) * VL;
        if (oj < g.ow()) {
          count = i + 1;
        }
        if (++oj == wp) {
          oj = 0;
          oi++;
        }
      } else {
        bases[i] = bases[i - 1];
        bases[TILE + i] = bases[TILE + i - 1];
      }
    }
    return count;
  }

  /** The input base of each position of tile t (a position past the last repeats the last). */
  private void inputBases(int t, int[] bases) {
    for (int i = 0; i < TILE; i++) {
      int pos = Math.min(t * TILE + i, positions - 1);
      int n = pos / g.p();
      int local = pos - n * g.p();
      int oi = local / g.ow();
      int oj = local - oi * g.ow();
      bases[i] = n * inImage + (oi * rowStep * wp + oj * colStep) * unit;
    }
  }

  /**
   * Copies the tile's inputs to {@code dst} so that kk of position i is at {@code at + gathered[kk]
   * + i·VL}: a blocked input by vectors (VL consecutive kk are adjacent floats), a plain one by
   * floats.
   */
  private void gather(float[] src, int[] bases, float[] dst, int at, int k0, int k1) {
    if (blockedIn) {
      for (int kk = k0, d = at + gathered[k0]; kk < k1; kk += VL, d += TILE * VL) {
        int off = offs[kk];
        for (int i = 0; i < TILE; i++) {
          FloatVector.fromArray(S, src, bases[i] + off).intoArray(dst, d + i * VL);
        }
      }
    } else {
      // VL consecutive kk of one position at a time, a float at a time through the offsets (see
      // Sgemm.gather for why not by the Vector API's gather)
      for (int kk = k0; kk < k1; kk += VL) {
        int d = at + gathered[kk];
        for (int i = 0; i < TILE; i++) {
          Sgemm.gather(src, bases[i], offs, kk, dst, d + i * VL);
        }
      }
    }
  }

  /**
   * {@link #TILE} positions × output blocks blk and blk+1, position i's kk-th input at {@code in[x0
   * + o[kk] + i·VL]}: constant offsets from one index, which the JIT bounds-checks together. Stores
   * position i's two vectors at {@code dst[bases[ob + i] + o0]} and {@code dst[bases[ob + i] + o1]}
   * for i &lt; count.
   */
  private void tile2(
      float[] in,
      int x0,
      int[] o,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0,
      int o1) {
    if (wide(count)) {
      tile2Wide(in, bases, count, blk, k0, k1, first, clamp, dst, ob, o0, o1);
    } else if (count == 1 && TILE == 12) {
      tile2Single(in, x0, o, bases, blk, k0, k1, first, clamp, dst, ob, o0, o1);
    } else {
      tile2Narrow(in, x0, o, bases, count, blk, k0, k1, first, clamp, dst, ob, o0, o1);
    }
  }

  /**
   * {@link #tile2} for a tile of one position: a 7×7 plane's last (49 = 4·12 + 1), which the
   * five-position kernel would take for a third of a full tile's time. Two sums per output block,
   * of the even and the odd kk, so that each FMA need not wait for the one before.
   */
  private void tile2Single(
      float[] in,
      int x0,
      int[] o,
      int[] bases,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0,
      int o1) {
    FloatVector c0;
    FloatVector c1;
    if (first) {
      c0 = FloatVector.fromArray(S, bias, blk * VL);
      c1 = FloatVector.fromArray(S, bias, blk * VL + VL);
    } else {
      // a later slice of the reduction: go on from the partial sums stored
      c0 = FloatVector.fromArray(S, dst, bases[ob] + o0);
      c1 = FloatVector.fromArray(S, dst, bases[ob] + o1);
    }
    FloatVector d0 = FloatVector.zero(S);
    FloatVector d1 = d0;
    float[] wt = packed;
    int wi = blk * VL * k + k0 * 2 * VL;
    int kk = k0;
    for (; kk + 1 < k1; kk += 2, wi += 4 * VL) {
      FloatVector v = FloatVector.broadcast(S, in[x0 + o[kk]]);
      FloatVector u = FloatVector.broadcast(S, in[x0 + o[kk + 1]]);
      c0 = v.fma(FloatVector.fromArray(S, wt, wi), c0);
      c1 = v.fma(FloatVector.fromArray(S, wt, wi + VL), c1);
      d0 = u.fma(FloatVector.fromArray(S, wt, wi + 2 * VL), d0);
      d1 = u.fma(FloatVector.fromArray(S, wt, wi + 3 * VL), d1);
    }
    if (kk < k1) {
      FloatVector v = FloatVector.broadcast(S, in[x0 + o[kk]]);
      c0 = v.fma(FloatVector.fromArray(S, wt, wi), c0);
      c1 = v.fma(FloatVector.fromArray(S, wt, wi + VL), c1);
    }
    c0 = c0.add(d0);
    c1 = c1.add(d1);
    if (clamp) {
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0 = c0.blend(lo, c0.compare(LE, lo));
      c0 = c0.blend(hi, c0.compare(GT, hi));
      c1 = c1.blend(lo, c1.compare(LE, lo));
      c1 = c1.blend(hi, c1.compare(GT, hi));
    }
    c0.intoArray(dst, bases[ob] + o0);
    c1.intoArray(dst, bases[ob] + o1);
  }

  /**
   * Whether a tile of {@code count} positions runs on the twelve-position kernels (else on the
   * five- position ones, which also take a short last tile where TILE is twelve).
   */
  private static boolean wide(int count) {
    return TILE == 12 && count > NARROW;
  }

  /** {@link #tile2} for the last output block blk alone (when the blocks are odd). */
  private void tile1(
      float[] in,
      int x0,
      int[] o,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0) {
    if (wide(count)) {
      tile1Wide(in, bases, count, blk, k0, k1, first, clamp, dst, ob, o0);
    } else {
      tile1Narrow(in, x0, o, bases, count, blk, k0, k1, first, clamp, dst, ob, o0);
    }
  }

  /** {@link #tile2} with five positions, for machines with 16 vector registers (AVX2). */
  private void tile2Narrow(
      float[] in,
      int x0,
      int[] o,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0,
      int o1) {
    FloatVector bias0 = FloatVector.fromArray(S, bias, blk * VL);
    FloatVector bias1 = FloatVector.fromArray(S, bias, blk * VL + VL);
    FloatVector c00 = bias0;
    FloatVector c01 = bias1;
    FloatVector c10 = bias0;
    FloatVector c11 = bias1;
    FloatVector c20 = bias0;
    FloatVector c21 = bias1;
    FloatVector c30 = bias0;
    FloatVector c31 = bias1;
    FloatVector c40 = bias0;
    FloatVector c41 = bias1;
    float[] wt = packed;
    if (!first) {
      // a later slice of the reduction: go on from the partial sums stored
      c00 = FloatVector.fromArray(S, dst, bases[ob] + o0);
      c01 = FloatVector.fromArray(S, dst, bases[ob] + o1);
      c10 = FloatVector.fromArray(S, dst, bases[ob + 1] + o0);
      c11 = FloatVector.fromArray(S, dst, bases[ob + 1] + o1);
      c20 = FloatVector.fromArray(S, dst, bases[ob + 2] + o0);
      c21 = FloatVector.fromArray(S, dst, bases[ob + 2] + o1);
      c30 = FloatVector.fromArray(S, dst, bases[ob + 3] + o0);
      c31 = FloatVector.fromArray(S, dst, bases[ob + 3] + o1);
      c40 = FloatVector.fromArray(S, dst, bases[ob + 4] + o0);
      c41 = FloatVector.fromArray(S, dst, bases[ob + 4] + o1);
    }
    int wi = blk * VL * k + k0 * 2 * VL;
    for (int kk = k0; kk < k1; kk++, wi += 2 * VL) {
      int b = x0 + o[kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      FloatVector w1 = FloatVector.fromArray(S, wt, wi + VL);
      FloatVector v = FloatVector.broadcast(S, in[b]);
      c00 = v.fma(w0, c00);
      c01 = v.fma(w1, c01);
      v = FloatVector.broadcast(S, in[b + VL]);
      c10 = v.fma(w0, c10);
      c11 = v.fma(w1, c11);
      v = FloatVector.broadcast(S, in[b + 2 * VL]);
      c20 = v.fma(w0, c20);
      c21 = v.fma(w1, c21);
      v = FloatVector.broadcast(S, in[b + 3 * VL]);
      c30 = v.fma(w0, c30);
      c31 = v.fma(w1, c31);
      v = FloatVector.broadcast(S, in[b + 4 * VL]);
      c40 = v.fma(w0, c40);
      c41 = v.fma(w1, c41);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c00 = c00.blend(lo, c00.compare(LE, lo));
      c00 = c00.blend(hi, c00.compare(GT, hi));
      c01 = c01.blend(lo, c01.compare(LE, lo));
      c01 = c01.blend(hi, c01.compare(GT, hi));
      c10 = c10.blend(lo, c10.compare(LE, lo));
      c10 = c10.blend(hi, c10.compare(GT, hi));
      c11 = c11.blend(lo, c11.compare(LE, lo));
      c11 = c11.blend(hi, c11.compare(GT, hi));
      c20 = c20.blend(lo, c20.compare(LE, lo));
      c20 = c20.blend(hi, c20.compare(GT, hi));
      c21 = c21.blend(lo, c21.compare(LE, lo));
      c21 = c21.blend(hi, c21.compare(GT, hi));
      c30 = c30.blend(lo, c30.compare(LE, lo));
      c30 = c30.blend(hi, c30.compare(GT, hi));
      c31 = c31.blend(lo, c31.compare(LE, lo));
      c31 = c31.blend(hi, c31.compare(GT, hi));
      c40 = c40.blend(lo, c40.compare(LE, lo));
      c40 = c40.blend(hi, c40.compare(GT, hi));
      c41 = c41.blend(lo, c41.compare(LE, lo));
      c41 = c41.blend(hi, c41.compare(GT, hi));
    }
    c00.intoArray(dst, bases[ob] + o0);
    c01.intoArray(dst, bases[ob] + o1);
    if (count > 1) {
      c10.intoArray(dst, bases[ob + 1] + o0);
      c11.intoArray(dst, bases[ob + 1] + o1);
    }
    if (count > 2) {
      c20.intoArray(dst, bases[ob + 2] + o0);
      c21.intoArray(dst, bases[ob + 2] + o1);
    }
    if (count > 3) {
      c30.intoArray(dst, bases[ob + 3] + o0);
      c31.intoArray(dst, bases[ob + 3] + o1);
    }
    if (count > 4) {
      c40.intoArray(dst, bases[ob + 4] + o0);
      c41.intoArray(dst, bases[ob + 4] + o1);
    }
  }

  /** {@link #tile1} with five positions (see {@link #tile2Narrow}). */
  private void tile1Narrow(
      float[] in,
      int x0,
      int[] o,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0) {
    FloatVector bias0 = FloatVector.fromArray(S, bias, blk * VL);
    FloatVector c0 = bias0;
    FloatVector c1 = bias0;
    FloatVector c2 = bias0;
    FloatVector c3 = bias0;
    FloatVector c4 = bias0;
    float[] wt = packed;
    if (!first) {
      // a later slice of the reduction: go on from the partial sums stored
      c0 = FloatVector.fromArray(S, dst, bases[ob] + o0);
      c1 = FloatVector.fromArray(S, dst, bases[ob + 1] + o0);
      c2 = FloatVector.fromArray(S, dst, bases[ob + 2] + o0);
      c3 = FloatVector.fromArray(S, dst, bases[ob + 3] + o0);
      c4 = FloatVector.fromArray(S, dst, bases[ob + 4] + o0);
    }
    int wi = blk * VL * k + k0 * VL;
    for (int kk = k0; kk < k1; kk++, wi += VL) {
      int b = x0 + o[kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      c0 = FloatVector.broadcast(S, in[b]).fma(w0, c0);
      c1 = FloatVector.broadcast(S, in[b + VL]).fma(w0, c1);
      c2 = FloatVector.broadcast(S, in[b + 2 * VL]).fma(w0, c2);
      c3 = FloatVector.broadcast(S, in[b + 3 * VL]).fma(w0, c3);
      c4 = FloatVector.broadcast(S, in[b + 4 * VL]).fma(w0, c4);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0 = c0.blend(lo, c0.compare(LE, lo));
      c0 = c0.blend(hi, c0.compare(GT, hi));
      c1 = c1.blend(lo, c1.compare(LE, lo));
      c1 = c1.blend(hi, c1.compare(GT, hi));
      c2 = c2.blend(lo, c2.compare(LE, lo));
      c2 = c2.blend(hi, c2.compare(GT, hi));
      c3 = c3.blend(lo, c3.compare(LE, lo));
      c3 = c3.blend(hi, c3.compare(GT, hi));
      c4 = c4.blend(lo, c4.compare(LE, lo));
      c4 = c4.blend(hi, c4.compare(GT, hi));
    }
    c0.intoArray(dst, bases[ob] + o0);
    if (count > 1) {
      c1.intoArray(dst, bases[ob + 1] + o0);
    }
    if (count > 2) {
      c2.intoArray(dst, bases[ob + 2] + o0);
    }
    if (count > 3) {
      c3.intoArray(dst, bases[ob + 3] + o0);
    }
    if (count > 4) {
      c4.intoArray(dst, bases[ob + 4] + o0);
    }
  }

  /**
   * {@link #tile2} with twelve positions, for machines with 32 vector registers (AVX-512): 24
   * accumulators, two weight vectors and a broadcast.
   */
  private void tile2Wide(
      float[] in,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0,
      int o1) {
    // every accumulator starts from a load of its own, which keeps the JIT from copying them
    // between registers or to the stack in the loop: the bias repeated per position on the first
    // slice (see biasTile), the stored partial sums after it
    float[] from = first ? biasTile : dst;
    int[] at = first ? biasRows : bases;
    int a0 = first ? 0 : ob;
    int fa = first ? blk * TILE * VL : o0;
    int fb = first ? (blk + 1) * TILE * VL : o1;
    FloatVector c0a = FloatVector.fromArray(S, from, at[a0] + fa);
    FloatVector c0b = FloatVector.fromArray(S, from, at[a0] + fb);
    FloatVector c1a = FloatVector.fromArray(S, from, at[a0 + 1] + fa);
    FloatVector c1b = FloatVector.fromArray(S, from, at[a0 + 1] + fb);
    FloatVector c2a = FloatVector.fromArray(S, from, at[a0 + 2] + fa);
    FloatVector c2b = FloatVector.fromArray(S, from, at[a0 + 2] + fb);
    FloatVector c3a = FloatVector.fromArray(S, from, at[a0 + 3] + fa);
    FloatVector c3b = FloatVector.fromArray(S, from, at[a0 + 3] + fb);
    FloatVector c4a = FloatVector.fromArray(S, from, at[a0 + 4] + fa);
    FloatVector c4b = FloatVector.fromArray(S, from, at[a0 + 4] + fb);
    FloatVector c5a = FloatVector.fromArray(S, from, at[a0 + 5] + fa);
    FloatVector c5b = FloatVector.fromArray(S, from, at[a0 + 5] + fb);
    FloatVector c6a = FloatVector.fromArray(S, from, at[a0 + 6] + fa);
    FloatVector c6b = FloatVector.fromArray(S, from, at[a0 + 6] + fb);
    FloatVector c7a = FloatVector.fromArray(S, from, at[a0 + 7] + fa);
    FloatVector c7b = FloatVector.fromArray(S, from, at[a0 + 7] + fb);
    FloatVector c8a = FloatVector.fromArray(S, from, at[a0 + 8] + fa);
    FloatVector c8b = FloatVector.fromArray(S, from, at[a0 + 8] + fb);
    FloatVector c9a = FloatVector.fromArray(S, from, at[a0 + 9] + fa);
    FloatVector c9b = FloatVector.fromArray(S, from, at[a0 + 9] + fb);
    FloatVector c10a = FloatVector.fromArray(S, from, at[a0 + 10] + fa);
    FloatVector c10b = FloatVector.fromArray(S, from, at[a0 + 10] + fb);
    FloatVector c11a = FloatVector.fromArray(S, from, at[a0 + 11] + fa);
    FloatVector c11b = FloatVector.fromArray(S, from, at[a0 + 11] + fb);
    float[] wt = packed;
    int wi = blk * VL * k + k0 * 2 * VL;
    for (int kk = k0; kk < k1; kk++, wi += 2 * VL) {
      int b = bases[READS + kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      FloatVector w1 = FloatVector.fromArray(S, wt, wi + VL);
      // the first and the last position's reads come first: the JIT checks the bounds of the
      // tile's twelve reads with these two, and with no accumulator changed before either check
      // it need not keep old and new accumulators apart (which cost vector moves each step)
      FloatVector v0 = FloatVector.broadcast(S, in[b]);
      FloatVector v11 = FloatVector.broadcast(S, in[b + 11 * VL]);
      c0a = v0.fma(w0, c0a);
      c0b = v0.fma(w1, c0b);
      FloatVector v = FloatVector.broadcast(S, in[b + VL]);
      c1a = v.fma(w0, c1a);
      c1b = v.fma(w1, c1b);
      v = FloatVector.broadcast(S, in[b + 2 * VL]);
      c2a = v.fma(w0, c2a);
      c2b = v.fma(w1, c2b);
      v = FloatVector.broadcast(S, in[b + 3 * VL]);
      c3a = v.fma(w0, c3a);
      c3b = v.fma(w1, c3b);
      v = FloatVector.broadcast(S, in[b + 4 * VL]);
      c4a = v.fma(w0, c4a);
      c4b = v.fma(w1, c4b);
      v = FloatVector.broadcast(S, in[b + 5 * VL]);
      c5a = v.fma(w0, c5a);
      c5b = v.fma(w1, c5b);
      v = FloatVector.broadcast(S, in[b + 6 * VL]);
      c6a = v.fma(w0, c6a);
      c6b = v.fma(w1, c6b);
      v = FloatVector.broadcast(S, in[b + 7 * VL]);
      c7a = v.fma(w0, c7a);
      c7b = v.fma(w1, c7b);
      v = FloatVector.broadcast(S, in[b + 8 * VL]);
      c8a = v.fma(w0, c8a);
      c8b = v.fma(w1, c8b);
      v = FloatVector.broadcast(S, in[b + 9 * VL]);
      c9a = v.fma(w0, c9a);
      c9b = v.fma(w1, c9b);
      v = FloatVector.broadcast(S, in[b + 10 * VL]);
      c10a = v.fma(w0, c10a);
      c10b = v.fma(w1, c10b);
      c11a = v11.fma(w0, c11a);
      c11b = v11.fma(w1, c11b);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0a = c0a.blend(lo, c0a.compare(LE, lo));
      c0a = c0a.blend(hi, c0a.compare(GT, hi));
      c0b = c0b.blend(lo, c0b.compare(LE, lo));
      c0b = c0b.blend(hi, c0b.compare(GT, hi));
      c1a = c1a.blend(lo, c1a.compare(LE, lo));
      c1a = c1a.blend(hi, c1a.compare(GT, hi));
      c1b = c1b.blend(lo, c1b.compare(LE, lo));
      c1b = c1b.blend(hi, c1b.compare(GT, hi));
      c2a = c2a.blend(lo, c2a.compare(LE, lo));
      c2a = c2a.blend(hi, c2a.compare(GT, hi));
      c2b = c2b.blend(lo, c2b.compare(LE, lo));
      c2b = c2b.blend(hi, c2b.compare(GT, hi));
      c3a = c3a.blend(lo, c3a.compare(LE, lo));
      c3a = c3a.blend(hi, c3a.compare(GT, hi));
      c3b = c3b.blend(lo, c3b.compare(LE, lo));
      c3b = c3b.blend(hi, c3b.compare(GT, hi));
      c4a = c4a.blend(lo, c4a.compare(LE, lo));
      c4a = c4a.blend(hi, c4a.compare(GT, hi));
      c4b = c4b.blend(lo, c4b.compare(LE, lo));
      c4b = c4b.blend(hi, c4b.compare(GT, hi));
      c5a = c5a.blend(lo, c5a.compare(LE, lo));
      c5a = c5a.blend(hi, c5a.compare(GT, hi));
      c5b = c5b.blend(lo, c5b.compare(LE, lo));
      c5b = c5b.blend(hi, c5b.compare(GT, hi));
      c6a = c6a.blend(lo, c6a.compare(LE, lo));
      c6a = c6a.blend(hi, c6a.compare(GT, hi));
      c6b = c6b.blend(lo, c6b.compare(LE, lo));
      c6b = c6b.blend(hi, c6b.compare(GT, hi));
      c7a = c7a.blend(lo, c7a.compare(LE, lo));
      c7a = c7a.blend(hi, c7a.compare(GT, hi));
      c7b = c7b.blend(lo, c7b.compare(LE, lo));
      c7b = c7b.blend(hi, c7b.compare(GT, hi));
      c8a = c8a.blend(lo, c8a.compare(LE, lo));
      c8a = c8a.blend(hi, c8a.compare(GT, hi));
      c8b = c8b.blend(lo, c8b.compare(LE, lo));
      c8b = c8b.blend(hi, c8b.compare(GT, hi));
      c9a = c9a.blend(lo, c9a.compare(LE, lo));
      c9a = c9a.blend(hi, c9a.compare(GT, hi));
      c9b = c9b.blend(lo, c9b.compare(LE, lo));
      c9b = c9b.blend(hi, c9b.compare(GT, hi));
      c10a = c10a.blend(lo, c10a.compare(LE, lo));
      c10a = c10a.blend(hi, c10a.compare(GT, hi));
      c10b = c10b.blend(lo, c10b.compare(LE, lo));
      c10b = c10b.blend(hi, c10b.compare(GT, hi));
      c11a = c11a.blend(lo, c11a.compare(LE, lo));
      c11a = c11a.blend(hi, c11a.compare(GT, hi));
      c11b = c11b.blend(lo, c11b.compare(LE, lo));
      c11b = c11b.blend(hi, c11b.compare(GT, hi));
    }
    c0a.intoArray(dst, bases[ob] + o0);
    c0b.intoArray(dst, bases[ob] + o1);
    if (count > 1) {
      c1a.intoArray(dst, bases[ob + 1] + o0);
      c1b.intoArray(dst, bases[ob + 1] + o1);
    }
    if (count > 2) {
      c2a.intoArray(dst, bases[ob + 2] + o0);
      c2b.intoArray(dst, bases[ob + 2] + o1);
    }
    if (count > 3) {
      c3a.intoArray(dst, bases[ob + 3] + o0);
      c3b.intoArray(dst, bases[ob + 3] + o1);
    }
    if (count > 4) {
      c4a.intoArray(dst, bases[ob + 4] + o0);
      c4b.intoArray(dst, bases[ob + 4] + o1);
    }
    if (count > 5) {
      c5a.intoArray(dst, bases[ob + 5] + o0);
      c5b.intoArray(dst, bases[ob + 5] + o1);
    }
    if (count > 6) {
      c6a.intoArray(dst, bases[ob + 6] + o0);
      c6b.intoArray(dst, bases[ob + 6] + o1);
    }
    if (count > 7) {
      c7a.intoArray(dst, bases[ob + 7] + o0);
      c7b.intoArray(dst, bases[ob + 7] + o1);
    }
    if (count > 8) {
      c8a.intoArray(dst, bases[ob + 8] + o0);
      c8b.intoArray(dst, bases[ob + 8] + o1);
    }
    if (count > 9) {
      c9a.intoArray(dst, bases[ob + 9] + o0);
      c9b.intoArray(dst, bases[ob + 9] + o1);
    }
    if (count > 10) {
      c10a.intoArray(dst, bases[ob + 10] + o0);
      c10b.intoArray(dst, bases[ob + 10] + o1);
    }
    if (count > 11) {
      c11a.intoArray(dst, bases[ob + 11] + o0);
      c11b.intoArray(dst, bases[ob + 11] + o1);
    }
  }

  /**
   * {@link #tile2Wide} for a {@link #stepped} plain input: position i's kk-th input at {@code
   * in[bases[READS + kk] + i·step]}, all twelve positions stored. A kernel of its own, as the step
   * is not a constant here: the twelve-position kernels' VL is, which lets the JIT fold each
   * position's offset into its load.
   */
  private void tile2Stepped(
      float[] in,
      int[] bases,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int o0,
      int o1,
      int step) {
    // every accumulator starts from a load of its own, which keeps the JIT from copying them
    // between registers or to the stack in the loop: the bias repeated per position on the first
    // slice (see biasTile), the stored partial sums after it
    float[] from = first ? biasTile : dst;
    int[] at = first ? biasRows : bases;
    int a0 = first ? 0 : TILE;
    int fa = first ? blk * TILE * VL : o0;
    int fb = first ? (blk + 1) * TILE * VL : o1;
    FloatVector c0a = FloatVector.fromArray(S, from, at[a0] + fa);
    FloatVector c0b = FloatVector.fromArray(S, from, at[a0] + fb);
    FloatVector c1a = FloatVector.fromArray(S, from, at[a0 + 1] + fa);
    FloatVector c1b = FloatVector.fromArray(S, from, at[a0 + 1] + fb);
    FloatVector c2a = FloatVector.fromArray(S, from, at[a0 + 2] + fa);
    FloatVector c2b = FloatVector.fromArray(S, from, at[a0 + 2] + fb);
    FloatVector c3a = FloatVector.fromArray(S, from, at[a0 + 3] + fa);
    FloatVector c3b = FloatVector.fromArray(S, from, at[a0 + 3] + fb);
    FloatVector c4a = FloatVector.fromArray(S, from, at[a0 + 4] + fa);
    FloatVector c4b = FloatVector.fromArray(S, from, at[a0 + 4] + fb);
    FloatVector c5a = FloatVector.fromArray(S, from, at[a0 + 5] + fa);
    FloatVector c5b = FloatVector.fromArray(S, from, at[a0 + 5] + fb);
    FloatVector c6a = FloatVector.fromArray(S, from, at[a0 + 6] + fa);
    FloatVector c6b = FloatVector.fromArray(S, from, at[a0 + 6] + fb);
    FloatVector c7a = FloatVector.fromArray(S, from, at[a0 + 7] + fa);
    FloatVector c7b = FloatVector.fromArray(S, from, at[a0 + 7] + fb);
    FloatVector c8a = FloatVector.fromArray(S, from, at[a0 + 8] + fa);
    FloatVector c8b = FloatVector.fromArray(S, from, at[a0 + 8] + fb);
    FloatVector c9a = FloatVector.fromArray(S, from, at[a0 + 9] + fa);
    FloatVector c9b = FloatVector.fromArray(S, from, at[a0 + 9] + fb);
    FloatVector c10a = FloatVector.fromArray(S, from, at[a0 + 10] + fa);
    FloatVector c10b = FloatVector.fromArray(S, from, at[a0 + 10] + fb);
    FloatVector c11a = FloatVector.fromArray(S, from, at[a0 + 11] + fa);
    FloatVector c11b = FloatVector.fromArray(S, from, at[a0 + 11] + fb);
    float[] wt = packed;
    int wi = blk * VL * k + k0 * 2 * VL;
    for (int kk = k0; kk < k1; kk++, wi += 2 * VL) {
      int b = bases[READS + kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      FloatVector w1 = FloatVector.fromArray(S, wt, wi + VL);
      // the first and the last position's reads come first: the JIT checks the bounds of the
      // tile's twelve reads with these two, and with no accumulator changed before either check
      // it need not keep old and new accumulators apart (which cost vector moves each step)
      FloatVector v0 = FloatVector.broadcast(S, in[b]);
      FloatVector v11 = FloatVector.broadcast(S, in[b + 11 * step]);
      c0a = v0.fma(w0, c0a);
      c0b = v0.fma(w1, c0b);
      FloatVector v = FloatVector.broadcast(S, in[b + step]);
      c1a = v.fma(w0, c1a);
      c1b = v.fma(w1, c1b);
      v = FloatVector.broadcast(S, in[b + 2 * step]);
      c2a = v.fma(w0, c2a);
      c2b = v.fma(w1, c2b);
      v = FloatVector.broadcast(S, in[b + 3 * step]);
      c3a = v.fma(w0, c3a);
      c3b = v.fma(w1, c3b);
      v = FloatVector.broadcast(S, in[b + 4 * step]);
      c4a = v.fma(w0, c4a);
      c4b = v.fma(w1, c4b);
      v = FloatVector.broadcast(S, in[b + 5 * step]);
      c5a = v.fma(w0, c5a);
      c5b = v.fma(w1, c5b);
      v = FloatVector.broadcast(S, in[b + 6 * step]);
      c6a = v.fma(w0, c6a);
      c6b = v.fma(w1, c6b);
      v = FloatVector.broadcast(S, in[b + 7 * step]);
      c7a = v.fma(w0, c7a);
      c7b = v.fma(w1, c7b);
      v = FloatVector.broadcast(S, in[b + 8 * step]);
      c8a = v.fma(w0, c8a);
      c8b = v.fma(w1, c8b);
      v = FloatVector.broadcast(S, in[b + 9 * step]);
      c9a = v.fma(w0, c9a);
      c9b = v.fma(w1, c9b);
      v = FloatVector.broadcast(S, in[b + 10 * step]);
      c10a = v.fma(w0, c10a);
      c10b = v.fma(w1, c10b);
      c11a = v11.fma(w0, c11a);
      c11b = v11.fma(w1, c11b);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0a = c0a.blend(lo, c0a.compare(LE, lo));
      c0a = c0a.blend(hi, c0a.compare(GT, hi));
      c0b = c0b.blend(lo, c0b.compare(LE, lo));
      c0b = c0b.blend(hi, c0b.compare(GT, hi));
      c1a = c1a.blend(lo, c1a.compare(LE, lo));
      c1a = c1a.blend(hi, c1a.compare(GT, hi));
      c1b = c1b.blend(lo, c1b.compare(LE, lo));
      c1b = c1b.blend(hi, c1b.compare(GT, hi));
      c2a = c2a.blend(lo, c2a.compare(LE, lo));
      c2a = c2a.blend(hi, c2a.compare(GT, hi));
      c2b = c2b.blend(lo, c2b.compare(LE, lo));
      c2b = c2b.blend(hi, c2b.compare(GT, hi));
      c3a = c3a.blend(lo, c3a.compare(LE, lo));
      c3a = c3a.blend(hi, c3a.compare(GT, hi));
      c3b = c3b.blend(lo, c3b.compare(LE, lo));
      c3b = c3b.blend(hi, c3b.compare(GT, hi));
      c4a = c4a.blend(lo, c4a.compare(LE, lo));
      c4a = c4a.blend(hi, c4a.compare(GT, hi));
      c4b = c4b.blend(lo, c4b.compare(LE, lo));
      c4b = c4b.blend(hi, c4b.compare(GT, hi));
      c5a = c5a.blend(lo, c5a.compare(LE, lo));
      c5a = c5a.blend(hi, c5a.compare(GT, hi));
      c5b = c5b.blend(lo, c5b.compare(LE, lo));
      c5b = c5b.blend(hi, c5b.compare(GT, hi));
      c6a = c6a.blend(lo, c6a.compare(LE, lo));
      c6a = c6a.blend(hi, c6a.compare(GT, hi));
      c6b = c6b.blend(lo, c6b.compare(LE, lo));
      c6b = c6b.blend(hi, c6b.compare(GT, hi));
      c7a = c7a.blend(lo, c7a.compare(LE, lo));
      c7a = c7a.blend(hi, c7a.compare(GT, hi));
      c7b = c7b.blend(lo, c7b.compare(LE, lo));
      c7b = c7b.blend(hi, c7b.compare(GT, hi));
      c8a = c8a.blend(lo, c8a.compare(LE, lo));
      c8a = c8a.blend(hi, c8a.compare(GT, hi));
      c8b = c8b.blend(lo, c8b.compare(LE, lo));
      c8b = c8b.blend(hi, c8b.compare(GT, hi));
      c9a = c9a.blend(lo, c9a.compare(LE, lo));
      c9a = c9a.blend(hi, c9a.compare(GT, hi));
      c9b = c9b.blend(lo, c9b.compare(LE, lo));
      c9b = c9b.blend(hi, c9b.compare(GT, hi));
      c10a = c10a.blend(lo, c10a.compare(LE, lo));
      c10a = c10a.blend(hi, c10a.compare(GT, hi));
      c10b = c10b.blend(lo, c10b.compare(LE, lo));
      c10b = c10b.blend(hi, c10b.compare(GT, hi));
      c11a = c11a.blend(lo, c11a.compare(LE, lo));
      c11a = c11a.blend(hi, c11a.compare(GT, hi));
      c11b = c11b.blend(lo, c11b.compare(LE, lo));
      c11b = c11b.blend(hi, c11b.compare(GT, hi));
    }
    c0a.intoArray(dst, bases[TILE] + o0);
    c0b.intoArray(dst, bases[TILE] + o1);
    c1a.intoArray(dst, bases[TILE + 1] + o0);
    c1b.intoArray(dst, bases[TILE + 1] + o1);
    c2a.intoArray(dst, bases[TILE + 2] + o0);
    c2b.intoArray(dst, bases[TILE + 2] + o1);
    c3a.intoArray(dst, bases[TILE + 3] + o0);
    c3b.intoArray(dst, bases[TILE + 3] + o1);
    c4a.intoArray(dst, bases[TILE + 4] + o0);
    c4b.intoArray(dst, bases[TILE + 4] + o1);
    c5a.intoArray(dst, bases[TILE + 5] + o0);
    c5b.intoArray(dst, bases[TILE + 5] + o1);
    c6a.intoArray(dst, bases[TILE + 6] + o0);
    c6b.intoArray(dst, bases[TILE + 6] + o1);
    c7a.intoArray(dst, bases[TILE + 7] + o0);
    c7b.intoArray(dst, bases[TILE + 7] + o1);
    c8a.intoArray(dst, bases[TILE + 8] + o0);
    c8b.intoArray(dst, bases[TILE + 8] + o1);
    c9a.intoArray(dst, bases[TILE + 9] + o0);
    c9b.intoArray(dst, bases[TILE + 9] + o1);
    c10a.intoArray(dst, bases[TILE + 10] + o0);
    c10b.intoArray(dst, bases[TILE + 10] + o1);
    c11a.intoArray(dst, bases[TILE + 11] + o0);
    c11b.intoArray(dst, bases[TILE + 11] + o1);
  }

  /** {@link #tile1} with twelve positions (see {@link #tile2Wide}). */
  private void tile1Wide(
      float[] in,
      int[] bases,
      int count,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int ob,
      int o0) {
    // every accumulator starts from a load of its own, which keeps the JIT from copying them
    // between registers or to the stack in the loop: the bias repeated per position on the first
    // slice (see biasTile), the stored partial sums after it
    float[] from = first ? biasTile : dst;
    int[] at = first ? biasRows : bases;
    int a0 = first ? 0 : ob;
    int fa = first ? blk * TILE * VL : o0;
    FloatVector c0 = FloatVector.fromArray(S, from, at[a0] + fa);
    FloatVector c1 = FloatVector.fromArray(S, from, at[a0 + 1] + fa);
    FloatVector c2 = FloatVector.fromArray(S, from, at[a0 + 2] + fa);
    FloatVector c3 = FloatVector.fromArray(S, from, at[a0 + 3] + fa);
    FloatVector c4 = FloatVector.fromArray(S, from, at[a0 + 4] + fa);
    FloatVector c5 = FloatVector.fromArray(S, from, at[a0 + 5] + fa);
    FloatVector c6 = FloatVector.fromArray(S, from, at[a0 + 6] + fa);
    FloatVector c7 = FloatVector.fromArray(S, from, at[a0 + 7] + fa);
    FloatVector c8 = FloatVector.fromArray(S, from, at[a0 + 8] + fa);
    FloatVector c9 = FloatVector.fromArray(S, from, at[a0 + 9] + fa);
    FloatVector c10 = FloatVector.fromArray(S, from, at[a0 + 10] + fa);
    FloatVector c11 = FloatVector.fromArray(S, from, at[a0 + 11] + fa);
    float[] wt = packed;
    int wi = blk * VL * k + k0 * VL;
    for (int kk = k0; kk < k1; kk++, wi += VL) {
      int b = bases[READS + kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      c0 = FloatVector.broadcast(S, in[b]).fma(w0, c0);
      c1 = FloatVector.broadcast(S, in[b + VL]).fma(w0, c1);
      c2 = FloatVector.broadcast(S, in[b + 2 * VL]).fma(w0, c2);
      c3 = FloatVector.broadcast(S, in[b + 3 * VL]).fma(w0, c3);
      c4 = FloatVector.broadcast(S, in[b + 4 * VL]).fma(w0, c4);
      c5 = FloatVector.broadcast(S, in[b + 5 * VL]).fma(w0, c5);
      c6 = FloatVector.broadcast(S, in[b + 6 * VL]).fma(w0, c6);
      c7 = FloatVector.broadcast(S, in[b + 7 * VL]).fma(w0, c7);
      c8 = FloatVector.broadcast(S, in[b + 8 * VL]).fma(w0, c8);
      c9 = FloatVector.broadcast(S, in[b + 9 * VL]).fma(w0, c9);
      c10 = FloatVector.broadcast(S, in[b + 10 * VL]).fma(w0, c10);
      c11 = FloatVector.broadcast(S, in[b + 11 * VL]).fma(w0, c11);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0 = c0.blend(lo, c0.compare(LE, lo));
      c0 = c0.blend(hi, c0.compare(GT, hi));
      c1 = c1.blend(lo, c1.compare(LE, lo));
      c1 = c1.blend(hi, c1.compare(GT, hi));
      c2 = c2.blend(lo, c2.compare(LE, lo));
      c2 = c2.blend(hi, c2.compare(GT, hi));
      c3 = c3.blend(lo, c3.compare(LE, lo));
      c3 = c3.blend(hi, c3.compare(GT, hi));
      c4 = c4.blend(lo, c4.compare(LE, lo));
      c4 = c4.blend(hi, c4.compare(GT, hi));
      c5 = c5.blend(lo, c5.compare(LE, lo));
      c5 = c5.blend(hi, c5.compare(GT, hi));
      c6 = c6.blend(lo, c6.compare(LE, lo));
      c6 = c6.blend(hi, c6.compare(GT, hi));
      c7 = c7.blend(lo, c7.compare(LE, lo));
      c7 = c7.blend(hi, c7.compare(GT, hi));
      c8 = c8.blend(lo, c8.compare(LE, lo));
      c8 = c8.blend(hi, c8.compare(GT, hi));
      c9 = c9.blend(lo, c9.compare(LE, lo));
      c9 = c9.blend(hi, c9.compare(GT, hi));
      c10 = c10.blend(lo, c10.compare(LE, lo));
      c10 = c10.blend(hi, c10.compare(GT, hi));
      c11 = c11.blend(lo, c11.compare(LE, lo));
      c11 = c11.blend(hi, c11.compare(GT, hi));
    }
    c0.intoArray(dst, bases[ob] + o0);
    if (count > 1) {
      c1.intoArray(dst, bases[ob + 1] + o0);
    }
    if (count > 2) {
      c2.intoArray(dst, bases[ob + 2] + o0);
    }
    if (count > 3) {
      c3.intoArray(dst, bases[ob + 3] + o0);
    }
    if (count > 4) {
      c4.intoArray(dst, bases[ob + 4] + o0);
    }
    if (count > 5) {
      c5.intoArray(dst, bases[ob + 5] + o0);
    }
    if (count > 6) {
      c6.intoArray(dst, bases[ob + 6] + o0);
    }
    if (count > 7) {
      c7.intoArray(dst, bases[ob + 7] + o0);
    }
    if (count > 8) {
      c8.intoArray(dst, bases[ob + 8] + o0);
    }
    if (count > 9) {
      c9.intoArray(dst, bases[ob + 9] + o0);
    }
    if (count > 10) {
      c10.intoArray(dst, bases[ob + 10] + o0);
    }
    if (count > 11) {
      c11.intoArray(dst, bases[ob + 11] + o0);
    }
  }

  /** {@link #tile2Stepped} for the last output block alone, when the blocks are odd. */
  private void tile1Stepped(
      float[] in,
      int[] bases,
      int blk,
      int k0,
      int k1,
      boolean first,
      boolean clamp,
      float[] dst,
      int o0,
      int step) {
    // every accumulator starts from a load of its own, which keeps the JIT from copying them
    // between registers or to the stack in the loop: the bias repeated per position on the first
    // slice (see biasTile), the stored partial sums after it
    float[] from = first ? biasTile : dst;
    int[] at = first ? biasRows : bases;
    int a0 = first ? 0 : TILE;
    int fa = first ? blk * TILE * VL : o0;
    FloatVector c0 = FloatVector.fromArray(S, from, at[a0] + fa);
    FloatVector c1 = FloatVector.fromArray(S, from, at[a0 + 1] + fa);
    FloatVector c2 = FloatVector.fromArray(S, from, at[a0 + 2] + fa);
    FloatVector c3 = FloatVector.fromArray(S, from, at[a0 + 3] + fa);
    FloatVector c4 = FloatVector.fromArray(S, from, at[a0 + 4] + fa);
    FloatVector c5 = FloatVector.fromArray(S, from, at[a0 + 5] + fa);
    FloatVector c6 = FloatVector.fromArray(S, from, at[a0 + 6] + fa);
    FloatVector c7 = FloatVector.fromArray(S, from, at[a0 + 7] + fa);
    FloatVector c8 = FloatVector.fromArray(S, from, at[a0 + 8] + fa);
    FloatVector c9 = FloatVector.fromArray(S, from, at[a0 + 9] + fa);
    FloatVector c10 = FloatVector.fromArray(S, from, at[a0 + 10] + fa);
    FloatVector c11 = FloatVector.fromArray(S, from, at[a0 + 11] + fa);
    float[] wt = packed;
    int wi = blk * VL * k + k0 * VL;
    for (int kk = k0; kk < k1; kk++, wi += VL) {
      int b = bases[READS + kk];
      FloatVector w0 = FloatVector.fromArray(S, wt, wi);
      c0 = FloatVector.broadcast(S, in[b]).fma(w0, c0);
      c1 = FloatVector.broadcast(S, in[b + step]).fma(w0, c1);
      c2 = FloatVector.broadcast(S, in[b + 2 * step]).fma(w0, c2);
      c3 = FloatVector.broadcast(S, in[b + 3 * step]).fma(w0, c3);
      c4 = FloatVector.broadcast(S, in[b + 4 * step]).fma(w0, c4);
      c5 = FloatVector.broadcast(S, in[b + 5 * step]).fma(w0, c5);
      c6 = FloatVector.broadcast(S, in[b + 6 * step]).fma(w0, c6);
      c7 = FloatVector.broadcast(S, in[b + 7 * step]).fma(w0, c7);
      c8 = FloatVector.broadcast(S, in[b + 8 * step]).fma(w0, c8);
      c9 = FloatVector.broadcast(S, in[b + 9 * step]).fma(w0, c9);
      c10 = FloatVector.broadcast(S, in[b + 10 * step]).fma(w0, c10);
      c11 = FloatVector.broadcast(S, in[b + 11 * step]).fma(w0, c11);
    }
    if (clamp) {
      // a clamping activation while the tile is in registers
      FloatVector lo = FloatVector.broadcast(S, clampLo);
      FloatVector hi = FloatVector.broadcast(S, clampHi);
      c0 = c0.blend(lo, c0.compare(LE, lo));
      c0 = c0.blend(hi, c0.compare(GT, hi));
      c1 = c1.blend(lo, c1.compare(LE, lo));
      c1 = c1.blend(hi, c1.compare(GT, hi));
      c2 = c2.blend(lo, c2.compare(LE, lo));
      c2 = c2.blend(hi, c2.compare(GT, hi));
      c3 = c3.blend(lo, c3.compare(LE, lo));
      c3 = c3.blend(hi, c3.compare(GT, hi));
      c4 = c4.blend(lo, c4.compare(LE, lo));
      c4 = c4.blend(hi, c4.compare(GT, hi));
      c5 = c5.blend(lo, c5.compare(LE, lo));
      c5 = c5.blend(hi, c5.compare(GT, hi));
      c6 = c6.blend(lo, c6.compare(LE, lo));
      c6 = c6.blend(hi, c6.compare(GT, hi));
      c7 = c7.blend(lo, c7.compare(LE, lo));
      c7 = c7.blend(hi, c7.compare(GT, hi));
      c8 = c8.blend(lo, c8.compare(LE, lo));
      c8 = c8.blend(hi, c8.compare(GT, hi));
      c9 = c9.blend(lo, c9.compare(LE, lo));
      c9 = c9.blend(hi, c9.compare(GT, hi));
      c10 = c10.blend(lo, c10.compare(LE, lo));
      c10 = c10.blend(hi, c10.compare(GT, hi));
      c11 = c11.blend(lo, c11.compare(LE, lo));
      c11 = c11.blend(hi, c11.compare(GT, hi));
    }
    c0.intoArray(dst, bases[TILE] + o0);
    c1.intoArray(dst, bases[TILE + 1] + o0);
    c2.intoArray(dst, bases[TILE + 2] + o0);
    c3.intoArray(dst, bases[TILE + 3] + o0);
    c4.intoArray(dst, bases[TILE + 4] + o0);
    c5.intoArray(dst, bases[TILE + 5] + o0);
    c6.intoArray(dst, bases[TILE + 6] + o0);
    c7.intoArray(dst, bases[TILE + 7] + o0);
    c8.intoArray(dst, bases[TILE + 8] + o0);
    c9.intoArray(dst, bases[TILE + 9] + o0);
    c10.intoArray(dst, bases[TILE + 10] + o0);
    c11.intoArray(dst, bases[TILE + 11] + o0);
  }

  /**
   * One item of a plain output's reorder pass: positions [p0, p1) of output block blk of image n,
   * copied from the blocked staging in the workspace's product block to each channel's run in y,
   * with the residual (plain, as y) and the activation the kernels did not apply. Each channel
   * reads its lane of the band's vectors, which stay in L1 across the block's VL channels.
   */
  private void reorder(int item) {
    int band = item % reorderBands;
    int rest = item / reorderBands;
    int blk = rest % blocks;
    int n = rest / blocks;
    int plane = g.p();
    int p0 = band * REORDER_BAND;
    int p1 = Math.min(plane, p0 + REORDER_BAND);
    float[] staged = ws.sharedC();
    boolean activate = act != Activation.NONE && !clampEpilogue;
    boolean vector = Sgemm.vectorActivation(act);
    for (int lane = 0; lane < VL && blk * VL + lane < g.m(); lane++) {
      int ch = blk * VL + lane;
      int at = (n * g.m() + ch) * plane;
      int from = Blocked.offset(n, g.m(), ch, plane) + p0 * VL;
      if (res == null) {
        for (int pos = p0, src = from; pos < p1; pos++, src += VL) {
          y[at + pos] = staged[src];
        }
      } else {
        for (int pos = p0, src = from; pos < p1; pos++, src += VL) {
          y[at + pos] = staged[src] + res[at + pos];
        }
      }
      if (activate && vector) {
        ElementwiseVector.activation(y, y, act, p, q, at + p0, at + p1);
      } else if (activate) {
        for (int i = at + p0; i < at + p1; i++) {
          y[i] = Activation.apply(act, y[i], p, q);
        }
      }
    }
  }

  /**
   * y = act(y + res) over the tile just stored: {@code count} positions × {@code width} blocks.
   * Done from memory (L1) rather than registers: a vector passed to a method the JIT does not
   * inline is boxed on the heap, and the tile methods are too large to inline into.
   */
  private void finish(int[] bases, int count, int blk, int width, int outPlane) {
    if (res == null && act == Activation.NONE) {
      return;
    }
    boolean vector = Sgemm.vectorActivation(act);
    for (int b = 0; b < width; b++) {
      int o = (blk + b) * outPlane;
      for (int i = 0; i < count; i++) {
        int at = bases[TILE + i] + o;
        if (i + 1 < count && bases[TILE + i + 1] + o == at) {
          continue; // a flat tile's discarded position: the next one is stored there
        }
        FloatVector v = FloatVector.fromArray(S, y, at);
        if (res != null) {
          v = v.add(FloatVector.fromArray(S, res, at));
        }
        v.intoArray(y, at);
        if (vector) {
          Sgemm.activate(y, at, y, at, act, p, q);
        } else {
          for (int j = at; j < at + VL; j++) {
            y[j] = Activation.apply(act, y[j], p, q);
          }
        }
      }
    }
  }
}
