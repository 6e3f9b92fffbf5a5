package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.framegate.accelerator.graph.Attributes;
import io.framegate.accelerator.graph.Node;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.kernel.ConvKernels;
import io.framegate.accelerator.kernel.ElementwiseKernels;
import io.framegate.accelerator.kernel.GemmKernels;
import io.framegate.accelerator.kernel.PoolKernels;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.NodeContext;
import io.framegate.accelerator.op.Operator;
import io.framegate.accelerator.op.Operators;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.plan.WorkerPool;
import io.framegate.accelerator.tensor.DataType;
import io.framegate.accelerator.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each fast path against the reference kernels (or a naive loop) on seeded random inputs whose
 * sizes are odd, so that vector tails, partial register tiles and partial K blocks all occur.
 */
class VectorKernelsTest {
  private static WorkerPool pool;

  @BeforeAll
  static void startPool() {
    pool = new WorkerPool(3, "vector-test");
  }

  @AfterAll
  static void stopPool() {
    pool.close();
  }

  private static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = 2f * r.nextFloat() - 1f;
    }
    return v;
  }

  /** |got − want| ≤ 1e-5·(1 + |want|) everywhere. */
  private static void assertClose(float[] want, float[] got, int n, String what) {
    assertClose(want, got, n, what, 1);
  }

  /**
   * |got − want| ≤ 1e-5·s·(1 + |want|): sums of K float products in another order differ by about
   * √K roundings, so long reductions get {@code s = √(K/64)}.
   */
  private static void assertClose(float[] want, float[] got, int n, String what, double s) {
    for (int i = 0; i < n; i++) {
      double tol = 1e-5 * s * (1 + Math.abs(want[i]));
      if (!(Math.abs(got[i] - want[i]) <= tol)) {
        throw new AssertionError(what + ": at " + i + " expected " + want[i] + " got " + got[i]);
      }
    }
  }

  private static int[] referenceGeometry(ConvGeometry g, boolean bias, boolean res) {
    int[] r = new int[ConvKernels.GEOMETRY_LENGTH];
    r[ConvKernels.N] = g.n();
    r[ConvKernels.C] = g.c();
    r[ConvKernels.D] = 1;
    r[ConvKernels.H] = g.h();
    r[ConvKernels.W] = g.w();
    r[ConvKernels.M] = g.m();
    r[ConvKernels.KD] = 1;
    r[ConvKernels.KH] = g.kh();
    r[ConvKernels.KW] = g.kw();
    r[ConvKernels.OD] = 1;
    r[ConvKernels.OH] = g.oh();
    r[ConvKernels.OW] = g.ow();
    r[ConvKernels.SD] = 1;
    r[ConvKernels.SH] = g.sh();
    r[ConvKernels.SW] = g.sw();
    r[ConvKernels.PH] = g.ph();
    r[ConvKernels.PW] = g.pw();
    r[ConvKernels.DD] = 1;
    r[ConvKernels.DH] = g.dh();
    r[ConvKernels.DW] = g.dw();
    r[ConvKernels.GROUP] = g.groups();
    r[ConvKernels.HAS_BIAS] = bias ? 1 : 0;
    r[ConvKernels.HAS_RES] = res ? 1 : 0;
    return r;
  }

  private static int out(int in, int k, int s, int p, int d) {
    return (in + 2 * p - (k - 1) * d - 1) / s + 1;
  }

  @ParameterizedTest(name = "n={0} c={1} {2}x{3} m={4} k={5} s={6} p={7} d={8} g={9} act={10}")
  @CsvSource({
    // plain 3×3, partial tiles in both directions
    "1, 3, 17, 19, 13, 3, 1, 1, 1, 1, 1, true, true",
    // stride 2, no bias, residual, clip
    "2, 5, 23, 21, 7, 3, 2, 1, 1, 1, 2, false, true",
    // dilation 2, leaky relu
    "1, 4, 15, 16, 11, 3, 1, 2, 2, 1, 3, true, false",
    // groups (not depthwise), 5×5, sigmoid (a scalar epilogue)
    "3, 6, 11, 13, 9, 5, 1, 2, 1, 3, 4, true, true",
    // 1×1 unit stride: the copy lowering
    "2, 33, 9, 11, 35, 1, 1, 0, 1, 1, 1, true, true",
    // 1×1 stride 2
    "1, 17, 13, 13, 19, 1, 2, 0, 1, 1, 0, false, false",
    // K = 40·9 = 360 > KC: two reduction blocks, the first stores partial sums
    "1, 40, 10, 9, 14, 3, 1, 1, 1, 1, 1, true, true",
    // K·P above the shared block: several column blocks
    "1, 67, 61, 61, 13, 3, 1, 1, 1, 1, 1, true, false",
    // stride 3 with dilation 2 and groups, batch 3: the phase-split input of several images
    "3, 6, 19, 23, 8, 3, 3, 2, 2, 2, 1, true, false",
    // 7×7 stride 2 pad 3 (a ResNet stem, small)
    "1, 3, 29, 31, 8, 7, 2, 3, 1, 1, 1, true, false",
    // few plain input channels (C·S² at most a vector), read from a copy on the stride's grid:
    // MobileNet's 3×3 stride-2 stem on odd maps over a batch of 2; 2 channels at stride 2 (8
    // lanes); a stride-1 first layer (VGG's) on rows of 30, whose tiles across rows are gathered;
    // 1 channel, 5×5 stride 3 (taps wider than the stride)
    "2, 3, 17, 19, 32, 3, 2, 1, 1, 1, 2, true, true",
    "2, 2, 15, 13, 16, 3, 2, 1, 1, 1, 1, false, false",
    "1, 3, 12, 30, 24, 3, 1, 1, 1, 1, 1, true, false",
    // first layers read in place at stride 2 (tiles on one output row of 14 and 17 positions):
    // MobileNet's 3×3 and ResNet's 7×7 on small images
    "2, 3, 31, 28, 32, 3, 2, 1, 1, 1, 2, true, false",
    "1, 3, 30, 33, 64, 7, 2, 3, 1, 1, 1, true, false",
    "2, 1, 11, 14, 16, 5, 3, 2, 1, 1, 0, true, true",
    // Winograd: odd output (partial 2×2 blocks), row tail, C above KC, pads 0 and 2, several
    // blocks of tiles
    "2, 17, 13, 11, 19, 3, 1, 1, 1, 1, 1, true, true",
    "1, 300, 7, 7, 23, 3, 1, 1, 1, 1, 2, true, true",
    "1, 16, 9, 12, 16, 3, 1, 0, 1, 1, 0, false, false",
    "1, 20, 8, 8, 32, 3, 1, 2, 1, 1, 3, true, false",
    "1, 512, 40, 40, 16, 3, 1, 1, 1, 1, 1, true, true",
    // Winograd rows of blocks wider than a vector (contiguous transforms), odd output width,
    // batch 3 (vector chunks next to image bounds), a scalar activation; then no padding, clip
    "3, 16, 21, 37, 24, 3, 1, 1, 1, 1, 4, true, true",
    "2, 24, 34, 35, 17, 3, 1, 0, 1, 1, 2, false, true",
    // Winograd on 7×7 maps, batch 2: every run of blocks crosses rows of blocks or images, so the
    // output is scattered from vectors; ReLU without residual is applied on the vectors
    "2, 16, 7, 7, 16, 3, 1, 1, 1, 1, 1, true, false",
    // depthwise 3×3, stride 1 and 2, with residual and ReLU6
    "2, 19, 14, 17, 19, 3, 1, 1, 1, 19, 2, true, true",
    "1, 21, 15, 13, 21, 3, 2, 1, 1, 21, 2, true, false",
    // depthwise stride 2 on rows wide enough for the vector column split, odd width, batch 3
    "3, 8, 40, 45, 8, 3, 2, 1, 1, 8, 1, true, true",
    // depthwise 5×5 dilation 2, sigmoid (scalar epilogue), rows narrower than a vector
    "1, 7, 9, 5, 7, 5, 1, 4, 2, 7, 4, false, true",
    // depthwise 3×3 stride 3
    "1, 5, 20, 26, 5, 3, 3, 0, 1, 5, 0, true, false",
    // 1×1 unit stride over a batch of 3, 7×9 maps: tiles read in place, and tiles across images
    // gathered; 3×3 stride 1 with 7-wide rows: tiles across rows gathered, dilation 2
    "3, 16, 7, 9, 32, 1, 1, 0, 1, 1, 2, true, true",
    "2, 24, 11, 7, 24, 3, 1, 2, 2, 1, 1, false, true",
    // 3×3 stride 2 whose output-block pairs each fill the weight budget (two groups): the tiles
    // are gathered once per run for both, the last one partial
    "2, 176, 11, 11, 32, 3, 2, 1, 1, 1, 2, true, true",
    // reductions longer than two slices (k = 4176): slice by slice over pre-gathered tiles (64
    // outputs: two groups or more), and over tiles read in place or gathered a slice at a time
    // with an odd last output block on 16-float vectors, residual, ReLU
    "2, 464, 11, 11, 64, 3, 2, 1, 1, 1, 2, true, true",
    "2, 464, 9, 13, 48, 3, 1, 1, 1, 1, 1, true, true",
    // MobileNetV2's 1×1 projection to 24 channels (not whole 16-float blocks: blocked with a
    // padded last block, or plain) with a residual, and 40 channels with clip from a 3×3
    "2, 48, 9, 7, 24, 1, 1, 0, 1, 1, 0, true, true",
    "1, 16, 8, 9, 40, 3, 1, 1, 1, 1, 2, false, false",
    // inputs of more than 2 MiB (k = 4176, 144 positions): all output blocks share each slice
    "1, 464, 12, 12, 64, 3, 1, 1, 1, 1, 1, true, true",
    // weights of more than 2 MiB (128 × 4176), seven tiles per work item: each slice's weights
    // touched while the last tile of the slice before runs
    "1, 464, 9, 9, 128, 3, 1, 1, 1, 1, 1, true, false",
    // stride 1 over rows wider than the output's (blocked both sides): tiles run over whole input
    // rows, each row's last positions computed and discarded; valid 3×3 (no padded copy) and
    // dilation 2 with padding 2, batch 2, residual
    "2, 32, 9, 20, 32, 3, 1, 0, 1, 1, 1, true, true",
    "2, 32, 9, 21, 32, 3, 1, 2, 2, 1, 1, true, true",
    // strided layers that pad, blocked both sides: flat over the phases of the padded copy;
    // stride 2 on odd-sized maps, then with dilation 2 and three output blocks
    "2, 32, 13, 17, 32, 3, 2, 1, 1, 1, 1, true, true",
    "1, 32, 15, 20, 48, 3, 2, 2, 2, 1, 2, true, true",
    // 1×1 over 7-wide rows with output groups (k = 1600): tiles across rows read in place
    "1, 1600, 5, 7, 64, 1, 1, 0, 1, 1, 1, true, true",
    // short reductions without a residual: ReLU and Clip applied in the kernels' registers (two
    // output-block pairs; three blocks on 16-float vectors, the last alone)
    "2, 24, 10, 9, 64, 1, 1, 0, 1, 1, 1, true, false",
    "1, 32, 6, 11, 48, 3, 1, 1, 1, 1, 2, true, false",
    // 7×7 maps: rows shorter than two tiles, so the tiles are gathered once per run for the output
    // groups
    "1, 64, 7, 7, 128, 3, 1, 1, 1, 1, 1, true, true",
    // 49 positions leave a last tile of one position: over several slices of a long reduction
    // (k = 4176) with a residual, and a short one clamped in registers
    "1, 464, 7, 7, 32, 3, 1, 1, 1, 1, 1, true, true",
    "1, 33, 7, 7, 64, 1, 1, 0, 1, 1, 2, true, false",
    // 1×1 stride 2 over a batch of 3 (tiles of positions across rows and images), 5 output
    // blocks on 8-float vectors (an odd last block), residual, ReLU
    "3, 16, 9, 11, 40, 1, 2, 0, 1, 1, 1, true, true",
    // no residual, so a plain output's activation runs on the tile's vectors: clip over tiles that
    // span two images (3 output blocks), then no activation with a 3×3 stride 2 over 2 images
    "3, 16, 9, 11, 24, 1, 2, 0, 1, 1, 2, true, false",
    "2, 8, 13, 7, 16, 3, 2, 1, 1, 1, 0, false, false",
  })
  void convolutionMatchesTheReferenceKernel(
      int n,
      int c,
      int h,
      int w,
      int m,
      int k,
      int s,
      int pad,
      int d,
      int groups,
      int act,
      boolean hasBias,
      boolean hasRes) {
    int oh = out(h, k, s, pad, d);
    int ow = out(w, k, s, pad, d);
    ConvGeometry g = new ConvGeometry(n, c, h, w, m, k, k, oh, ow, s, s, pad, pad, d, d, groups);
    Random r = new Random(31L * c + 7L * m + h + k + s);
    float[] x = abs(random(r, n * c * h * w));
    float[] wt = random(r, m * (c / groups) * k * k);
    float[] bias = hasBias ? random(r, m) : null;
    float[] res = hasRes ? random(r, n * m * oh * ow) : null;
    float p = act == Activation.LEAKY_RELU ? 0.1f : -0.25f;
    float q = 0.5f;
    int size = n * m * oh * ow;
    float[] want = new float[size];
    int[] rg = referenceGeometry(g, hasBias, hasRes);
    ConvKernels.conv(
        x,
        wt,
        hasBias ? bias : new float[1],
        hasRes ? res : new float[1],
        want,
        rg,
        act,
        p,
        q,
        0,
        n * m);
    double scale = Math.max(1, Math.sqrt(g.k() / 64.0));
    Workspace ws = new Workspace(pool.parallelism());
    float[] got = new float[size];
    Map<String, Step> steps = new LinkedHashMap<>();
    if (g.depthwise()) {
      steps.put("depthwise", new DepthwiseStep(g, x, wt, bias, res, got, act, p, q, ws));
    } else {
      steps.put("gemm", new ConvStep(g, x, wt, bias, res, got, act, p, q, ws));
    }
    // F(4×4, 3×3) rounds more than the others (its transforms scale terms by up to 25 and 1/24):
    // each of its outputs is held to 1e-5 of the sum of its terms' magnitudes instead
    Map<String, Step> coarse = new LinkedHashMap<>();
    if (WinogradStep.applies(g) && g.c() >= 16 && g.m() >= 16) {
      for (int t : new int[] {2, 4}) {
        Map<String, Step> to = t == 2 ? steps : coarse;
        String name = "winograd " + t + "×" + t;
        to.put(name, new WinogradStep(g, t, x, false, wt, bias, res, got, false, act, p, q, ws));
        // the input read from, the output written to the blocked layout (read back through a
        // plain copy), wherever the channels fill whole blocks
        float[] xB = Blocked.fits(c) ? Blocked.blocked(x, n, c, h * w) : null;
        if (xB != null) {
          to.put(
              name + ", blocked to plain",
              new WinogradStep(g, t, xB, true, wt, bias, res, got, false, act, p, q, ws));
        }
        if (Blocked.fits(m)) {
          float[] resB = hasRes ? Blocked.blocked(res, n, m, oh * ow) : null;
          float[] gotB = new float[size];
          Step plainIn =
              new WinogradStep(g, t, x, false, wt, bias, resB, gotB, true, act, p, q, ws);
          to.put(name + ", plain to blocked", blockedOut(plainIn, gotB, got, n, m, oh * ow));
          if (xB != null) {
            float[] gotBB = new float[size];
            Step both =
                new WinogradStep(g, t, xB, true, wt, bias, resB, gotBB, true, act, p, q, ws);
            to.put(name + ", blocked to blocked", blockedOut(both, gotBB, got, n, m, oh * ow));
          }
        }
      }
    }
    if (groups == 1) {
      // a plain output takes any channel count (the last block zero-padded); the blocked layout
      // is read back through a plain copy. Where the channels do not fill whole blocks, the
      // blocked input's and residual's padding lanes hold large values that must not reach a
      // real channel, and the output's padding lanes must be written
      steps.put(
          "direct, plain to plain",
          new BlockedConvStep(g, x, false, wt, bias, res, got, false, act, p, q, ws, false));
      float[] xB = withPadding(Blocked.blocked(x, n, c, h * w), n, c, h * w, r);
      steps.put(
          "direct, blocked to plain",
          new BlockedConvStep(g, xB, true, wt, bias, res, got, false, act, p, q, ws, false));
      float[] resB =
          hasRes ? withPadding(Blocked.blocked(res, n, m, oh * ow), n, m, oh * ow, r) : null;
      float[] gotB = new float[n * Blocked.padded(m) * oh * ow];
      Step plainIn =
          new BlockedConvStep(g, x, false, wt, bias, resB, gotB, true, act, p, q, ws, false);
      steps.put("direct, plain to blocked", blockedOut(plainIn, gotB, got, n, m, oh * ow));
      Step blockedIn =
          new BlockedConvStep(g, xB, true, wt, bias, resB, gotB, true, act, p, q, ws, false);
      steps.put("direct, blocked to blocked", blockedOut(blockedIn, gotB, got, n, m, oh * ow));
      // tiles over whole rows (of the phases of the padded copy, when strided), which small
      // layers take only here
      Step flat = new BlockedConvStep(g, xB, true, wt, bias, resB, gotB, true, act, p, q, ws, true);
      steps.put("direct, blocked to blocked, flat", blockedOut(flat, gotB, got, n, m, oh * ow));
    }
    for (Map.Entry<String, Step> e : steps.entrySet()) {
      java.util.Arrays.fill(got, Float.NaN);
      e.getValue().run(pool);
      assertClose(want, got, size, e.getKey() + " parallel", scale);
      // again, on one thread, into a dirty buffer: every output is written, none accumulated
      java.util.Arrays.fill(got, Float.NaN);
      e.getValue().run(Loops.SEQUENTIAL);
      assertClose(want, got, size, e.getKey() + " sequential", scale);
    }
    if (!coarse.isEmpty()) {
      float[] magnitude = new float[size];
      ConvKernels.conv(
          abs(x),
          abs(wt),
          hasBias ? abs(bias) : new float[1],
          hasRes ? abs(res) : new float[1],
          magnitude,
          rg,
          Activation.NONE,
          0f,
          0f,
          0,
          n * m);
      for (Map.Entry<String, Step> e : coarse.entrySet()) {
        java.util.Arrays.fill(got, Float.NaN);
        e.getValue().run(pool);
        assertWithin(want, got, magnitude, e.getKey() + " parallel");
        java.util.Arrays.fill(got, Float.NaN);
        e.getValue().run(Loops.SEQUENTIAL);
        assertWithin(want, got, magnitude, e.getKey() + " sequential");
      }
    }
  }

  /**
   * The kernels clamp by compares and blends rather than by Java's max and min: a NaN sum must
   * still come out NaN, and a sum at or below ReLU's bound must come out +0 (a −0 sum included), as
   * the reference's Math.max gives. One input float is NaN, so every output it reaches is; the
   * inputs are positive and output channel 0's bias and weights −0, so its other sums are −0.
   */
  @ParameterizedTest(name = "act={0}")
  @CsvSource({"1", "2"})
  void clampingKeepsNaNAndZeroLikeTheReference(int act) {
    int n = 2;
    int c = 32;
    int h = 6;
    int w = 7;
    Random r = new Random(17 + act);
    float[] x = abs(random(r, n * c * h * w));
    // channel 3 of image 1 at row 2, column 4
    x[((c + 3) * h + 2) * w + 4] = Float.NaN;
    float[] xB = Blocked.blocked(x, n, c, h * w);
    float p = -0.25f;
    float q = 0.5f;
    Workspace ws = new Workspace(pool.parallelism());
    Map<String, ConvGeometry> geometries = new LinkedHashMap<>();
    geometries.put("1×1 direct", new ConvGeometry(n, c, h, w, c, 1, 1, h, w, 1, 1, 0, 0, 1, 1, 1));
    geometries.put("3×3 direct", new ConvGeometry(n, c, h, w, c, 3, 3, h, w, 1, 1, 1, 1, 1, 1, 1));
    geometries.put(
        "3×3 depthwise", new ConvGeometry(n, c, h, w, c, 3, 3, h, w, 1, 1, 1, 1, 1, 1, c));
    for (Map.Entry<String, ConvGeometry> e : geometries.entrySet()) {
      ConvGeometry g = e.getValue();
      float[] wt = random(r, c * (c / g.groups()) * g.kh() * g.kw());
      java.util.Arrays.fill(wt, 0, (c / g.groups()) * g.kh() * g.kw(), -0f);
      float[] bias = random(r, c);
      bias[0] = -0f;
      int size = n * c * h * w;
      float[] want = new float[size];
      ConvKernels.conv(
          x, wt, bias, new float[1], want, referenceGeometry(g, true, false), act, p, q, 0, n * c);
      float[] gotB = new float[size];
      Step step =
          g.depthwise()
              ? new BlockedDepthwiseStep(g, xB, wt, bias, null, gotB, act, p, q, ws)
              : new BlockedConvStep(g, xB, true, wt, bias, null, gotB, true, act, p, q, ws, false);
      step.run(pool);
      float[] got = Blocked.plain(gotB, n, c, h * w);
      int nans = 0;
      for (int i = 0; i < size; i++) {
        if (Float.isNaN(want[i]) || want[i] == 0f) {
          nans += Float.isNaN(want[i]) ? 1 : 0;
          assertEquals(
              Float.floatToIntBits(want[i]),
              Float.floatToIntBits(got[i]),
              e.getKey() + " at " + i + ": expected " + want[i] + " got " + got[i]);
        }
      }
      // the case is what it says: NaN outputs, and channel 0's sums −0
      if (nans == 0
          || Float.floatToIntBits(want[0])
              != Float.floatToIntBits(act == Activation.RELU ? 0f : -0f)) {
        throw new AssertionError(e.getKey() + ": the case has no NaN or no zero output");
      }
      float[] finite = want.clone();
      for (int i = 0; i < size; i++) {
        if (Float.isNaN(finite[i])) {
          finite[i] = got[i] = 0f;
        }
      }
      assertClose(finite, got, size, e.getKey());
    }
  }

  private static float[] abs(float[] v) {
    float[] a = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      a[i] = Math.abs(v[i]);
    }
    return a;
  }

  /** |got − want| ≤ 1e-5·magnitude everywhere. */
  private static void assertWithin(float[] want, float[] got, float[] magnitude, String what) {
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= 1e-5 * magnitude[i])) {
        throw new AssertionError(
            what
                + ": at "
                + i
                + " expected "
                + want[i]
                + " got "
                + got[i]
                + ", terms "
                + magnitude[i]);
      }
    }
  }

  /** Runs a step that writes {@code blocked}, then copies it into {@code plain}. */
  private static Step blockedOut(Step step, float[] blocked, float[] plain, int n, int c, int hw) {
    return loops -> {
      java.util.Arrays.fill(blocked, Float.NaN);
      step.run(loops);
      for (int i = 0; i < blocked.length; i++) {
        if (!Float.isFinite(blocked[i])) {
          throw new AssertionError("blocked output float " + i + " not written: " + blocked[i]);
        }
      }
      System.arraycopy(Blocked.plain(blocked, n, c, hw), 0, plain, 0, plain.length);
    };
  }

  /**
   * The blocked tensor with its padding lanes (those of a last block that C does not fill) set to
   * large random values: a kernel that lets them reach a real channel fails the comparison.
   */
  private static float[] withPadding(float[] blocked, int n, int c, int hw, Random r) {
    int cp = Blocked.padded(c);
    for (int img = 0; img < n; img++) {
      for (int ch = c; ch < cp; ch++) {
        int at = Blocked.offset(img, c, ch, hw);
        for (int i = 0; i < hw; i++, at += Blocked.VL) {
          blocked[at] = 1000f * (2 * r.nextFloat() - 1);
        }
      }
    }
    return blocked;
  }

  /**
   * F(4×4, 3×3) does 36 products per 16 outputs against F(2×2, 3×3)'s 16 per 4, but on small maps
   * its blocks overhang the image and fill fewer columns of the GEMM's register tiles (16 columns
   * with 8-float vectors, 32 with 16-float ones: a 14×14 map's sixteen 4×4 blocks fill half a tile
   * of 32).
   */
  @ParameterizedTest(name = "n={0} {1}x{1}: {2}x{2} blocks (16 columns), {3}x{3} (32)")
  @CsvSource({
    "1, 56, 4, 4",
    "1, 14, 4, 2",
    "1, 7, 2, 2",
    "8, 7, 4, 4",
    "1, 5, 2, 2",
    "4, 17, 4, 4"
  })
  void winogradPicksTheBlockSizeWithFewerProducts(int n, int size, int tile16, int tile32) {
    ConvGeometry g = new ConvGeometry(n, 64, size, size, 64, 3, 3, size, size, 1, 1, 1, 1, 1, 1, 1);
    assertEquals(Sgemm.NR == 16 ? tile16 : tile32, WinogradStep.tileFor(g), "NR=" + Sgemm.NR);
  }

  @ParameterizedTest(name = "{0}x{1}x{2}")
  @CsvSource({"1, 1, 1", "7, 5, 3", "37, 53, 301", "64, 48, 256", "13, 200, 600"})
  void productMatchesANaiveLoop(int m, int n, int k) {
    Random r = new Random(m * 1000L + n * 10L + k);
    float[] a = random(r, m * k);
    float[] b = random(r, k * n);
    float[] c = new float[m * n];
    Sgemm.product(a, b, c, m, n, k, pool.parallelism()).run(pool);
    float[] want = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int l = 0; l < k; l++) {
          s += (double) a[i * k + l] * b[l * n + j];
        }
        want[i * n + j] = (float) s;
      }
    }
    assertClose(want, c, m * n, "product");
  }

  @ParameterizedTest(name = "m={0} n={1} k={2}")
  @CsvSource({"1, 1003, 517", "3, 10, 7", "2, 5, 8", "5, 64, 1"})
  void denseRowsMatchTheReferenceGemm(int m, int n, int k) {
    Random r = new Random(m + 17L * n + k);
    float[] x = random(r, m * k);
    float[] w = random(r, n * k); // N×K: Gemm's B with transB
    float[] bias = random(r, n);
    float alpha = 0.75f;
    float beta = 1.5f;
    int[] g = new int[GemmKernels.GEOMETRY_LENGTH];
    g[GemmKernels.M] = m;
    g[GemmKernels.N] = n;
    g[GemmKernels.K] = k;
    g[GemmKernels.TRANS_B] = 1;
    g[GemmKernels.HAS_C] = 1;
    g[GemmKernels.C_ROW_STRIDE] = 0;
    g[GemmKernels.C_COL_STRIDE] = 1;
    float[] want = new float[m * n];
    GemmKernels.gemm(x, w, bias, want, g, alpha, beta, 0, m);
    float[] got = new float[m * n];
    DenseKernels.rows(x, w, got, m, n, k, alpha, beta, bias, 0, 1, 0, 3);
    DenseKernels.rows(x, w, got, m, n, k, alpha, beta, bias, 0, 1, 3, n);
    assertClose(want, got, m * n, "dense");
  }

  @Test
  void elementwiseAndGlobalPoolingMatchTheReferenceKernels() {
    Random r = new Random(5);
    int n = 1037;
    float[] a = random(r, n);
    float[] b = random(r, n);
    for (int act : new int[] {Activation.RELU, Activation.CLIP, Activation.LEAKY_RELU}) {
      float[] want = new float[n];
      float[] got = new float[n];
      ElementwiseKernels.activation(a, want, act, -0.3f, 0.4f, 0, n);
      ElementwiseVector.activation(a, got, act, -0.3f, 0.4f, 0, 13);
      ElementwiseVector.activation(a, got, act, -0.3f, 0.4f, 13, n);
      assertClose(want, got, n, "activation " + act);
    }
    int[] g = {1, n, 1, 1};
    for (int op :
        new int[] {ElementwiseKernels.ADD, ElementwiseKernels.SUB, ElementwiseKernels.MUL}) {
      float[] want = new float[n];
      float[] got = new float[n];
      ElementwiseKernels.binary(a, b, want, g, op, 0, n);
      ElementwiseVector.binary(a, b, got, op, 0, n);
      assertClose(want, got, n, "binary " + op);
    }
    int planes = 17;
    int spatial = 61;
    float[] x = random(r, planes * spatial);
    float[] want = new float[planes];
    float[] got = new float[planes];
    PoolKernels.globalAvgPool(x, want, spatial, 0, planes);
    ElementwiseVector.globalPool(x, got, spatial, false, 0, planes);
    assertClose(want, got, planes, "global average");
    PoolKernels.globalMaxPool(x, want, spatial, 0, planes);
    ElementwiseVector.globalPool(x, got, spatial, true, 0, planes);
    assertClose(want, got, planes, "global max");
  }

  /** Gemm without transB (weights transposed at build time) and MatMul over a rank-3 input. */
  @Test
  void gemmAndMatMulNodesMatchTheirReferenceOperators() {
    Random r = new Random(11);
    Map<String, Tensor> constants = new HashMap<>();
    constants.put("B", Tensor.of(random(r, 29 * 13), 29, 13));
    constants.put("C", Tensor.of(random(r, 13), 13));
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("alpha", 0.5f);
    attrs.put("beta", 2f);
    Node gemm =
        new Node("g", "Gemm", "", List.of("A", "B", "C"), List.of("Y"), new Attributes(attrs));
    compareNode(
        gemm,
        List.of(
            ValueInfo.of("A", DataType.FLOAT32, 3, 29),
            ValueInfo.of("B", DataType.FLOAT32, 29, 13),
            ValueInfo.of("C", DataType.FLOAT32, 13)),
        constants,
        random(r, 3 * 29));
    Node matmul = new Node("mm", "MatMul", "", List.of("A", "B"), List.of("Y"), Attributes.empty());
    compareNode(
        matmul,
        List.of(
            ValueInfo.of("A", DataType.FLOAT32, 2, 5, 29),
            ValueInfo.of("B", DataType.FLOAT32, 29, 13)),
        constants,
        random(r, 2 * 5 * 29));
  }

  /** Softmax over rows of odd length (vector tail), inputs spread wide; a middle axis too. */
  @Test
  void softmaxMatchesTheReferenceOperator() {
    Random r = new Random(5);
    for (int[] shape : new int[][] {{3, 1003}, {2, 5, 7}, {4, 1}}) {
      for (long axis : new long[] {-1, 1}) {
        int size = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] x = random(r, size);
        for (int i = 0; i < size; i++) {
          x[i] *= 20f;
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("axis", axis);
        Node node =
            new Node("sm", "Softmax", "", List.of("X"), List.of("Y"), new Attributes(attrs));
        compareNode(node, List.of(ValueInfo.of("X", DataType.FLOAT32, shape)), Map.of(), x);
      }
    }
  }

  /** Runs the node on the reference operator and the fast compiler; returns the fast step. */
  private static Step compareNode(
      Node node, List<ValueInfo> inputs, Map<String, Tensor> constants, float[] a) {
    NodeContext ctx = new NodeContext(node, 17, inputs, constants);
    Operator op = Operators.forNode(node);
    List<ValueInfo> outs = op.infer(ctx);
    float[][] in = new float[inputs.size()][];
    in[0] = a;
    for (int i = 1; i < in.length; i++) {
      in[i] = constants.get(inputs.get(i).name()).floats();
    }
    int size = io.framegate.accelerator.tensor.Shapes.size(outs.get(0).shape());
    float[] want = new float[size];
    float[] got = new float[size];
    op.compile(ctx, outs, in, new float[][] {want}).run(Loops.SEQUENTIAL);
    VectorStepCompiler compiler = new VectorStepCompiler(2);
    Step fast = compiler.compile(op, ctx, outs, in, new float[][] {got});
    fast.run(pool);
    assertClose(want, got, size, node.opType());
    return fast;
  }

  /**
   * Windowed pooling nodes against the reference operator: odd sizes (vector tails), batch 3,
   * strides, dilation, asymmetric pads, ceil mode (windows past the end padding), auto_pad, both
   * average divisors, 1-D; a 3-D window runs the reference kernel.
   */
  @ParameterizedTest(name = "{0} {1} kernel={2} strides={3} pads={4} dil={5} {6}")
  @CsvSource(
      delimiter = ';',
      value = {
        "MaxPool; 3,5,23,21; 3,3; 2,2; 1,1,1,1; 1,1; ",
        "MaxPool; 1,4,17,30; 3,3; 1,1; 1,1,1,1; 1,1; ceil_mode=1",
        "MaxPool; 2,3,19,13; 2,3; 2,3; 0,1,1,2; 2,1; ceil_mode=1",
        "MaxPool; 1,2,9,11; 3,3; 2,2; ; 1,1; auto_pad=SAME_UPPER",
        "MaxPool; 3,5,37; 4; 3; 1,2; 1; ",
        "AveragePool; 3,5,23,21; 3,3; 1,1; 1,1,1,1; 1,1; ",
        "AveragePool; 2,3,19,13; 3,2; 2,2; 1,0,2,1; 1,1; count_include_pad=1",
        "AveragePool; 1,6,15,17; 3,3; 2,2; 1,1,1,1; 1,1; count_include_pad=1 ceil_mode=1",
        "AveragePool; 2,3,12,14; 5,5; 3,3; 2,2,2,2; 1,1; ceil_mode=1",
        "AveragePool; 3,2,29; 3; 2; 1,1; 1; auto_pad=SAME_LOWER",
        "AveragePool; 1,2,5,6,7; 2,2,2; 1,1,1; ; 1,1,1; ",
      })
  void windowedPoolingMatchesTheReferenceOperator(
      String type,
      String shape,
      String kernel,
      String strides,
      String pads,
      String dilations,
      String extra) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("kernel_shape", longs(kernel));
    attrs.put("strides", longs(strides));
    if (pads != null) {
      attrs.put("pads", longs(pads));
    }
    if (type.equals("MaxPool")) {
      attrs.put("dilations", longs(dilations));
    }
    if (extra != null) {
      for (String kv : extra.split(" ")) {
        String[] parts = kv.split("=");
        Object v = parts[0].equals("auto_pad") ? parts[1] : (Object) Long.parseLong(parts[1]);
        attrs.put(parts[0], v);
      }
    }
    long[] dims = longs(shape);
    int[] in = new int[dims.length];
    int size = 1;
    for (int i = 0; i < dims.length; i++) {
      in[i] = (int) dims[i];
      size *= in[i];
    }
    Node node = new Node("pool", type, "", List.of("X"), List.of("Y"), new Attributes(attrs));
    Random r = new Random(size);
    Step fast =
        compareNode(
            node, List.of(ValueInfo.of("X", DataType.FLOAT32, in)), Map.of(), random(r, size));
    assertEquals(in.length <= 4, fast instanceof PoolStep, "vector step for rank " + in.length);
  }

  private static long[] longs(String csv) {
    String[] parts = csv.split(",");
    long[] v = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = Long.parseLong(parts[i].trim());
    }
    return v;
  }

  @Test
  void unsupportedNodesFallBackToTheReferenceOperator() {
    // a broadcasting Add is left to the reference kernel
    Node add = new Node("add", "Add", "", List.of("A", "B"), List.of("Y"), Attributes.empty());
    List<ValueInfo> inputs =
        List.of(ValueInfo.of("A", DataType.FLOAT32, 2, 3), ValueInfo.of("B", DataType.FLOAT32, 3));
    NodeContext ctx = new NodeContext(add, 17, inputs, Map.of());
    Operator op = Operators.forNode(add);
    List<ValueInfo> outs = op.infer(ctx);
    float[] a = {1, 2, 3, 4, 5, 6};
    float[] b = {10, 20, 30};
    float[] y = new float[6];
    Step step =
        new VectorStepCompiler(1).compile(op, ctx, outs, new float[][] {a, b}, new float[][] {y});
    step.run(Loops.SEQUENTIAL);
    float[] want = {11, 22, 33, 14, 25, 36};
    for (int i = 0; i < 6; i++) {
      assertEquals(want[i], y[i]);
    }
  }
}
