package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.kernel.ConvKernels;
import io.framegate.accelerator.kernel.PoolKernels;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import io.framegate.accelerator.plan.WorkerPool;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The blocked-layout kernels against the plain fast kernels and the reference kernels, on seeded
 * random inputs converted with {@link Blocked}: odd plane sizes, strides, asymmetric pads,
 * dilation, batch 1 and 3, one and three channel blocks, on three threads and on one.
 */
class BlockedKernelsTest {
  private static final int VL = Blocked.VL;
  private static WorkerPool pool;

  @BeforeAll
  static void startPool() {
    pool = new WorkerPool(3, "blocked-test");
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

  /**
   * |got − want| ≤ 1e-5·(1 + |want|) where finite; NaN and ±∞ exactly where the reference has them.
   */
  private static void assertClose(float[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      double tol = 1e-5 * (1 + Math.abs(want[i]));
      boolean ok =
          Float.isNaN(want[i])
              ? Float.isNaN(got[i])
              : Float.isInfinite(want[i]) ? want[i] == got[i] : Math.abs(got[i] - want[i]) <= tol;
      if (!ok) {
        throw new AssertionError(what + ": at " + i + " expected " + want[i] + " got " + got[i]);
      }
    }
  }

  /** ⌊(in + begin + end − ((k−1)·d + 1)) / s⌋ + 1, or ⌈⌉ in ceil mode, as ONNX defines it. */
  private static int out(int in, int k, int s, int begin, int end, int d, boolean ceil) {
    int span = in + begin + end - ((k - 1) * d + 1);
    int o = ceil ? -Math.floorDiv(-span, s) + 1 : span / s + 1;
    // ceil mode: the last window must start inside the input or its begin padding
    if (ceil && (o - 1) * s >= in + begin) {
      o--;
    }
    return o;
  }

  /** Runs {@code step} on the pool and on one thread, each time into a NaN-filled output. */
  private static void runBoth(
      Step step, float[] yb, int n, int c, int hw, float[] want, String what) {
    for (Loops loops : new Loops[] {pool, Loops.SEQUENTIAL}) {
      Arrays.fill(yb, Float.NaN);
      step.run(loops);
      String how = loops == pool ? " (3 threads)" : " (1 thread)";
      assertClose(want, Blocked.plain(yb, n, c, hw), what + how);
    }
  }

  @ParameterizedTest(
      name = "n={0} c={1}·VL {2}x{3} k={4}x{5} s={6},{7} pads={8},{9},{10},{11} d={12},{13}")
  @CsvSource({
    // a single position: every tap but the centre lies in the padding
    "1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true",
    "3, 3, 1, 1, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 2, false, true",
    // MobileNetV2's small planes, stride 1 and 2
    "1, 3, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true, true",
    "3, 1, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3, false, true",
    // rows with fewer than four interior columns
    "3, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true, false",
    "1, 3, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, true, true",
    // pad 2 (two border columns each side), no padding, stride 3
    "1, 3, 7, 7, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, 0, true, false",
    "1, 1, 7, 7, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 18, true, true",
    "1, 1, 20, 26, 3, 3, 3, 3, 0, 1, 0, 0, 1, 1, 1, true, false",
    // asymmetric pads (TensorFlow's SAME with stride 2 pads only the end), batch 3
    "1, 1, 56, 56, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 1, true, false",
    "3, 3, 13, 11, 3, 3, 1, 2, 2, 0, 1, 2, 1, 1, 2, false, false",
    // dilation 2
    "1, 3, 13, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, true, false",
    "3, 1, 13, 11, 3, 3, 2, 2, 1, 2, 2, 1, 2, 2, 3, true, true",
    // 5×5, with a scalar activation (sigmoid) and asymmetric pads
    "3, 3, 13, 11, 5, 5, 1, 1, 2, 1, 2, 0, 1, 1, 4, true, true",
    "1, 3, 13, 11, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 18, false, false",
    "1, 1, 7, 7, 5, 5, 1, 1, 4, 4, 4, 4, 2, 2, 1, true, true",
    // 1×3, stride and dilation on the columns only
    "1, 1, 13, 11, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 2, true, true",
    "3, 3, 7, 7, 1, 3, 1, 2, 0, 2, 0, 2, 1, 2, 1, false, true",
    // a 56×56 plane with residual and ReLU6 as in an inverted residual block
    "1, 3, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true, true",
  })
  void depthwiseMatchesThePlainAndReferenceKernels(
      int n,
      int cBlocks,
      int h,
      int w,
      int kh,
      int kw,
      int sh,
      int sw,
      int pt,
      int pl,
      int pb,
      int pr,
      int dh,
      int dw,
      int act,
      boolean hasBias,
      boolean hasRes) {
    int c = cBlocks * VL;
    int oh = out(h, kh, sh, pt, pb, dh, false);
    int ow = out(w, kw, sw, pl, pr, dw, false);
    ConvGeometry g = new ConvGeometry(n, c, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, c);
    Random r = new Random(1000L * h + 100L * w + 10L * kh + kw + sh + pt + pb + dh + n + c);
    float[] x = random(r, n * c * h * w);
    // one infinite input: its outputs must stay infinite (or NaN) through the fused epilogue
    x[x.length / 2] = Float.POSITIVE_INFINITY;
    float[] wt = random(r, c * kh * kw);
    float[] bias = hasBias ? random(r, c) : null;
    float[] res = hasRes ? random(r, n * c * oh * ow) : null;
    float p = act == Activation.LEAKY_RELU ? 0.1f : act == Activation.CLIP ? 0f : -0.25f;
    float q = act == Activation.CLIP ? 0.6f : 0.5f;
    int size = n * c * oh * ow;

    float[] want = new float[size];
    int[] rg = new int[ConvKernels.GEOMETRY_LENGTH];
    rg[ConvKernels.N] = n;
    rg[ConvKernels.C] = c;
    rg[ConvKernels.D] = 1;
    rg[ConvKernels.H] = h;
    rg[ConvKernels.W] = w;
    rg[ConvKernels.M] = c;
    rg[ConvKernels.KD] = 1;
    rg[ConvKernels.KH] = kh;
    rg[ConvKernels.KW] = kw;
    rg[ConvKernels.OD] = 1;
    rg[ConvKernels.OH] = oh;
    rg[ConvKernels.OW] = ow;
    rg[ConvKernels.SD] = 1;
    rg[ConvKernels.SH] = sh;
    rg[ConvKernels.SW] = sw;
    rg[ConvKernels.PH] = pt;
    rg[ConvKernels.PW] = pl;
    rg[ConvKernels.DD] = 1;
    rg[ConvKernels.DH] = dh;
    rg[ConvKernels.DW] = dw;
    rg[ConvKernels.GROUP] = c;
    rg[ConvKernels.HAS_BIAS] = hasBias ? 1 : 0;
    rg[ConvKernels.HAS_RES] = hasRes ? 1 : 0;
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
        n * c);

    Workspace ws = new Workspace(pool.parallelism());
    float[] plain = new float[size];
    new DepthwiseStep(g, x, wt, bias, res, plain, act, p, q, ws).run(pool);
    assertClose(want, plain, "plain depthwise against the reference");

    float[] xb = Blocked.blocked(x, n, c, h * w);
    float[] resb = hasRes ? Blocked.blocked(res, n, c, oh * ow) : null;
    float[] yb = new float[size];
    Step step = new BlockedDepthwiseStep(g, xb, wt, bias, resb, yb, act, p, q, ws);
    runBoth(step, yb, n, c, oh * ow, plain, "blocked depthwise against the plain one");
    runBoth(step, yb, n, c, oh * ow, want, "blocked depthwise against the reference");
  }

  @ParameterizedTest(
      name = "{0} n={1} c={2}·VL {3}x{4} k={5}x{6} s={7},{8} pads={9},{10},{11},{12} d={13},{14}")
  @CsvSource({
    "max, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, false",
    // ResNet's stem pool on an odd plane, batch 3
    "max, 3, 3, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, false",
    // end padding only, on a 56×56 plane
    "max, 1, 1, 56, 56, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, false, false",
    // ceil mode with dilation and asymmetric pads: windows past the end padding
    "max, 1, 3, 7, 7, 2, 3, 2, 3, 0, 1, 1, 2, 2, 1, true, false",
    "max, 3, 1, 13, 11, 5, 5, 1, 1, 2, 2, 2, 2, 2, 2, false, false",
    // 1-D (height 1)
    "max, 3, 1, 1, 29, 1, 4, 1, 3, 0, 1, 0, 2, 1, 1, false, false",
    "avg, 3, 1, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, false",
    "avg, 1, 3, 13, 11, 3, 2, 2, 2, 1, 0, 2, 1, 1, 1, false, true",
    "avg, 1, 1, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true, true",
    "avg, 1, 3, 56, 56, 5, 5, 3, 3, 2, 2, 2, 2, 1, 1, true, false",
    "avg, 3, 3, 1, 1, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, false, true",
    // the whole 7×7 plane in one window
    "avg, 3, 3, 7, 7, 7, 7, 1, 1, 0, 0, 0, 0, 1, 1, false, false",
    "avg, 3, 1, 1, 29, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1, true, true",
  })
  void poolingMatchesThePlainAndReferenceKernels(
      String type,
      int n,
      int cBlocks,
      int h,
      int w,
      int kh,
      int kw,
      int sh,
      int sw,
      int pt,
      int pl,
      int pb,
      int pr,
      int dh,
      int dw,
      boolean ceil,
      boolean includePad) {
    boolean max = type.equals("max");
    int c = cBlocks * VL;
    int oh = out(h, kh, sh, pt, pb, dh, ceil);
    int ow = out(w, kw, sw, pl, pr, dw, ceil);
    ConvGeometry g = new ConvGeometry(n, c, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw, c);
    Random r = new Random(1000L * h + 100L * w + 10L * kh + kw + sh + pt + pb + dh + n + c);
    float[] x = random(r, n * c * h * w);
    int size = n * c * oh * ow;

    int[] pg = new int[PoolKernels.GEOMETRY_LENGTH];
    pg[PoolKernels.N] = n;
    pg[PoolKernels.C] = c;
    pg[PoolKernels.D] = 1;
    pg[PoolKernels.H] = h;
    pg[PoolKernels.W] = w;
    pg[PoolKernels.KD] = 1;
    pg[PoolKernels.KH] = kh;
    pg[PoolKernels.KW] = kw;
    pg[PoolKernels.OD] = 1;
    pg[PoolKernels.OH] = oh;
    pg[PoolKernels.OW] = ow;
    pg[PoolKernels.SD] = 1;
    pg[PoolKernels.SH] = sh;
    pg[PoolKernels.SW] = sw;
    pg[PoolKernels.PH] = pt;
    pg[PoolKernels.PW] = pl;
    pg[PoolKernels.DD] = 1;
    pg[PoolKernels.DH] = dh;
    pg[PoolKernels.DW] = dw;
    pg[PoolKernels.PH_END] = pb;
    pg[PoolKernels.PW_END] = pr;
    float[] want = new float[size];
    if (max) {
      PoolKernels.maxPool(x, want, pg, 0, n * c);
    } else {
      PoolKernels.avgPool(x, want, pg, includePad ? 1 : 0, 0, n * c);
    }

    Workspace ws = new Workspace(pool.parallelism());
    float[] plain = new float[size];
    new PoolStep(g, x, plain, max, pb, pr, includePad, ws).run(pool);
    assertClose(want, plain, "plain pooling against the reference");

    float[] xb = Blocked.blocked(x, n, c, h * w);
    float[] yb = new float[size];
    Step step = new BlockedPoolStep(g, xb, yb, max, pb, pr, includePad, ws);
    runBoth(step, yb, n, c, oh * ow, plain, "blocked pooling against the plain one");
    runBoth(step, yb, n, c, oh * ow, want, "blocked pooling against the reference");
  }

  /**
   * Each lane sums its channel's positions in the reference's order and divides once, as the
   * reference does, so the results are the same floats, not merely close.
   */
  @ParameterizedTest(name = "n={0} c={1}·VL hw={2}")
  @CsvSource({"1, 1, 1", "3, 1, 49", "1, 3, 61", "3, 3, 3136"})
  void globalPoolingEqualsTheReferenceKernels(int n, int cBlocks, int hw) {
    int c = cBlocks * VL;
    Random r = new Random(n * 100L + c + hw);
    float[] x = random(r, n * c * hw);
    float[] xb = Blocked.blocked(x, n, c, hw);
    int blocks = n * cBlocks;
    int split = blocks / 2;
    for (boolean max : new boolean[] {false, true}) {
      float[] want = new float[n * c];
      if (max) {
        PoolKernels.globalMaxPool(x, want, hw, 0, n * c);
      } else {
        PoolKernels.globalAvgPool(x, want, hw, 0, n * c);
      }
      float[] got = new float[n * c];
      Arrays.fill(got, Float.NaN);
      BlockedGlobalPool.globalPool(xb, got, hw, max, 0, split);
      BlockedGlobalPool.globalPool(xb, got, hw, max, split, blocks);
      assertArrayEquals(want, got, (max ? "max" : "average") + " n=" + n + " hw=" + hw);
    }
  }

  @Test
  void geometriesTheLayoutCannotHoldAreRefused() {
    Workspace ws = new Workspace(1);
    int c = VL + 1;
    ConvGeometry odd = new ConvGeometry(1, c, 5, 5, c, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1, c);
    float[] x = new float[c * 25];
    float[] w = new float[c * 9];
    assertThrows(
        IllegalArgumentException.class,
        () -> new BlockedDepthwiseStep(odd, x, w, null, null, x, 0, 0f, 0f, ws));
    assertThrows(
        IllegalArgumentException.class,
        () -> new BlockedPoolStep(odd, x, x, true, 1, 1, false, ws));
    int c2 = 2 * VL;
    ConvGeometry grouped = new ConvGeometry(1, c2, 5, 5, c2, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1, VL);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new BlockedDepthwiseStep(
                grouped, new float[c2 * 25], new float[c2 * 2 * 9], null, null, x, 0, 0f, 0f, ws));
  }
}
