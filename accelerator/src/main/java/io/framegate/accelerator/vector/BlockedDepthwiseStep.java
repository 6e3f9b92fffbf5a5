package io.framegate.accelerator.vector;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import io.framegate.accelerator.kernel.Activation;
import io.framegate.accelerator.op.Loops;
import io.framegate.accelerator.op.Step;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A depthwise convolution over blocked tensors ({@link Blocked}): one output vector per position
 * holds the VL channels of a block, and each tap is one vector load of the same VL channels, so
 * small planes run at vector speed too. The input is read in place: per output row the tap rows
 * inside the image are found once, and the columns split into a border (taps clipped to the image)
 * and an interior (all taps inside, no tests). Work items are (image, block, band of output rows).
 */
final class BlockedDepthwiseStep implements Step {
  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Blocked.VL;

  private final ConvGeometry g;
  private final float[] x;
  private final float[] res;
  private final float[] y;
  private final int act;
  private final float p;
  private final float q;
  private final boolean vectorAct;

  /**
   * Bounds applied as each output is stored, by compares and blends (see BlockedConvStep#clampLo):
   * the activation itself when it is a clamp (none, ReLU, Clip) and there is no residual to add
   * first, else ±∞ and a pass over the row after it.
   */
  private final float clampLo;

  private final float clampHi;

  /** Whether a row needs the residual/activation pass after its outputs are stored. */
  private final boolean rowPass;

  /** Weights per block, tap and lane: [C/VL][KH·KW][VL]. */
  private final float[] wb;

  /** Bias per block and lane (zeros without a bias). */
  private final float[] bb;

  /** A row of zero vectors that stands for tap rows outside the image in the 3×3 kernel. */
  private final float[] zeros;

  /** Per output column: the first and one past the last tap column inside the image. */
  private final int[] colLo;

  private final int[] colHi;

  /** Output columns [interiorLo, interiorHi) have every tap column inside the image. */
  private final int interiorLo;

  private final int interiorHi;

  /**
   * 3×3: the output columns the interior loops leave out (those with clipped windows, or every
   * column when fewer than four are interior), and for each the tap columns inside the image as
   * bits.
   */
  private final int[] borderCols;

  private final int[] tapMask;

  private final RowBands bands;

  /**
   * @param x blocked input N×C×H×W
   * @param w ONNX weights C×1×KH×KW (plain)
   * @param bias C values, or null
   * @param res blocked residual N×C×OH×OW, or null
   * @param y blocked output N×C×OH×OW
   */
  BlockedDepthwiseStep(
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
    if (!g.depthwise() || g.c() != g.groups()) {
      throw new IllegalArgumentException(
          "not a depthwise convolution: C=" + g.c() + " M=" + g.m() + " groups=" + g.groups());
    }
    if (!Blocked.fits(g.c())) {
      throw new IllegalArgumentException(
          "blocked depthwise needs channels a multiple of " + VL + ", has " + g.c());
    }
    int taps = g.kh() * g.kw();
    if (w.length != g.c() * taps) {
      throw new IllegalArgumentException(
          "weights have "
              + w.length
              + " floats, expected "
              + g.c()
              + "×1×"
              + g.kh()
              + "×"
              + g.kw());
    }
    if (bias != null && bias.length != g.c()) {
      throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + g.c());
    }
    this.g = g;
    this.x = x;
    this.res = res;
    this.y = y;
    this.act = act;
    this.p = p;
    this.q = q;
    this.vectorAct = Sgemm.vectorActivation(act);
    boolean none = act == Activation.NONE || act == Activation.IDENTITY;
    boolean clamp = res == null && (none || act == Activation.RELU || act == Activation.CLIP);
    this.clampLo = clamp ? Sgemm.clampLow(act, p) : Float.NEGATIVE_INFINITY;
    this.clampHi = clamp ? Sgemm.clampHigh(act, q) : Float.POSITIVE_INFINITY;
    this.rowPass = !clamp;
    this.wb = new float[w.length];
    for (int c = 0; c < g.c(); c++) {
      int block = c / VL;
      int lane = c % VL;
      for (int t = 0; t < taps; t++) {
        wb[(block * taps + t) * VL + lane] = w[c * taps + t];
      }
    }
    this.bb = new float[g.c()];
    if (bias != null) {
      System.arraycopy(bias, 0, bb, 0, g.c()); // [C/VL][VL] is the plain order
    }
    this.zeros = new float[g.w() * VL];
    this.colLo = new int[g.ow()];
    this.colHi = new int[g.ow()];
    int lo = g.ow();
    int hi = 0;
    for (int j = 0; j < g.ow(); j++) {
      int start = j * g.sw() - g.pw();
      colLo[j] = Im2col.firstInside(start, g.dw());
      colHi[j] = Math.max(colLo[j], Im2col.endInside(start, g.dw(), g.w(), g.kw()));
      if (colLo[j] == 0 && colHi[j] == g.kw()) {
        lo = Math.min(lo, j);
        hi = Math.max(hi, j + 1);
      }
    }
    // the interior is contiguous: a column's window only moves right as the column does
    this.interiorLo = lo;
    this.interiorHi = Math.max(lo, hi);
    boolean wide = interiorHi - interiorLo >= 4;
    this.borderCols =
        IntStream.range(0, g.ow())
            .filter(j -> !wide || j < interiorLo || j >= interiorHi)
            .toArray();
    this.tapMask = new int[borderCols.length];
    for (int k = 0; k < borderCols.length; k++) {
      for (int t = colLo[borderCols[k]]; t < colHi[borderCols[k]]; t++) {
        tapMask[k] |= 1 << t;
      }
    }
    this.bands = new RowBands(g.n(), g.c() / VL, g.oh(), ws, this::rows);
  }

  @Override
  public void run(Loops loops) {
    bands.run(loops);
  }

  /** Output rows [r0, r1) of one plane (image·C/VL + block). */
  private void rows(int plane, int r0, int r1) {
    int block = plane % (g.c() / VL);
    if (g.kh() == 3 && g.kw() == 3) {
      rows3x3(plane, block, r0, r1);
    } else {
      for (int r = r0; r < r1; r++) {
        row(plane, block, r);
      }
    }
  }

  /**
   * C(c, j, k) = act(b(c) + Σ_{p,q} I(c, jS−P+pΔ, kS−P+qΔ)·K(c, p, q) + R(c, j, k)) for the VL
   * channels of one block and one output row, any kernel: only taps inside the image are summed.
   */
  private void row(int plane, int block, int r) {
    int w = g.w();
    int kw = g.kw();
    int ih0 = r * g.sh() - g.ph();
    int aLo = Im2col.firstInside(ih0, g.dh());
    int aHi = Im2col.endInside(ih0, g.dh(), g.h(), g.kh());
    int xPlane = plane * g.h() * w * VL;
    int yRow = (plane * g.oh() + r) * g.ow() * VL;
    int wBlock = block * g.kh() * kw * VL;
    FloatVector b0 = FloatVector.fromArray(S, bb, block * VL);
    for (int j = 0; j < g.ow(); j++) {
      int iw0 = j * g.sw() - g.pw();
      FloatVector acc = b0;
      for (int a = aLo; a < aHi; a++) {
        int xRow = xPlane + ((ih0 + a * g.dh()) * w + iw0) * VL;
        int wRow = wBlock + a * kw * VL;
        for (int t = colLo[j]; t < colHi[j]; t++) {
          FloatVector v = FloatVector.fromArray(S, x, xRow + t * g.dw() * VL);
          acc = v.fma(FloatVector.fromArray(S, wb, wRow + t * VL), acc);
        }
      }
      acc.max(clampLo).min(clampHi).intoArray(y, yRow + j * VL);
    }
    finish(yRow, g.ow() * VL);
  }

  /**
   * The 3×3 kernel over output rows [r0, r1) of one block: interior columns, then border columns,
   * then the residual/activation pass if one is needed. Each part is a method of its own, small
   * enough to be compiled with its vectors in registers.
   */
  private void rows3x3(int plane, int block, int r0, int r1) {
    if (interiorHi - interiorLo >= 4) {
      if (g.sw() == 1 && g.dw() == 1) {
        interiorUnit3x3(plane, block, r0, r1);
      } else if (g.sw() == 2 && g.dw() == 1) {
        interiorStride23x3(plane, block, r0, r1);
      } else {
        interior3x3(plane, block, r0, r1);
      }
    }
    border3x3(plane, block, r0, r1);
    int ow = g.ow();
    finish((plane * g.oh() + r0) * ow * VL, (r1 - r0) * ow * VL);
  }

  /**
   * Offset of tap row {@code a} (0, 1, 2) of output row {@code r} in {@link #x}, or −1 when the row
   * lies in the padding (it then reads the zero row, at offset 0).
   */
  private int tapRow(int plane, int r, int a) {
    int ih = r * g.sh() - g.ph() + a * g.dh();
    return ih >= 0 && ih < g.h() ? (plane * g.h() + ih) * g.w() * VL : -1;
  }

  /**
   * Interior columns, unit stride and dilation: neighbouring outputs share input columns, so each
   * tap row loads six vectors for four outputs; four independent sums hide the multiply-add
   * latency. Each sum takes its taps in the reference's order (rows, then columns).
   */
  private void interiorUnit3x3(int plane, int block, int r0, int r1) {
    int ow = g.ow();
    int step = VL;
    int wBlock = block * 9 * VL;
    FloatVector b0 = FloatVector.fromArray(S, bb, block * VL);
    FloatVector lo = FloatVector.broadcast(S, clampLo);
    FloatVector hi = FloatVector.broadcast(S, clampHi);
    FloatVector w0 = FloatVector.fromArray(S, wb, wBlock);
    FloatVector w1 = FloatVector.fromArray(S, wb, wBlock + VL);
    FloatVector w2 = FloatVector.fromArray(S, wb, wBlock + 2 * VL);
    FloatVector w3 = FloatVector.fromArray(S, wb, wBlock + 3 * VL);
    FloatVector w4 = FloatVector.fromArray(S, wb, wBlock + 4 * VL);
    FloatVector w5 = FloatVector.fromArray(S, wb, wBlock + 5 * VL);
    FloatVector w6 = FloatVector.fromArray(S, wb, wBlock + 6 * VL);
    FloatVector w7 = FloatVector.fromArray(S, wb, wBlock + 7 * VL);
    FloatVector w8 = FloatVector.fromArray(S, wb, wBlock + 8 * VL);
    int first = (interiorLo * g.sw() - g.pw()) * VL; // first tap column of the first output
    for (int r = r0; r < r1; r++) {
      int o0 = tapRow(plane, r, 0);
      float[] x0 = o0 < 0 ? zeros : x;
      o0 = Math.max(o0, 0) + first;
      int o1 = tapRow(plane, r, 1);
      float[] x1 = o1 < 0 ? zeros : x;
      o1 = Math.max(o1, 0) + first;
      int o2 = tapRow(plane, r, 2);
      float[] x2 = o2 < 0 ? zeros : x;
      o2 = Math.max(o2, 0) + first;
      int yRow = (plane * g.oh() + r) * ow * VL;
      int j = interiorLo;
      int c = 0;
      for (; j + 3 < interiorHi; j += 4, c += 4 * VL) {
        FloatVector a0 = b0;
        FloatVector a1 = b0;
        FloatVector a2 = b0;
        FloatVector a3 = b0;
        FloatVector v00 = FloatVector.fromArray(S, x0, o0 + c);
        a0 = v00.fma(w0, a0);
        FloatVector v01 = FloatVector.fromArray(S, x0, o0 + c + VL);
        a0 = v01.fma(w1, a0);
        a1 = v01.fma(w0, a1);
        FloatVector v02 = FloatVector.fromArray(S, x0, o0 + c + 2 * VL);
        a0 = v02.fma(w2, a0);
        a1 = v02.fma(w1, a1);
        a2 = v02.fma(w0, a2);
        FloatVector v03 = FloatVector.fromArray(S, x0, o0 + c + 3 * VL);
        a1 = v03.fma(w2, a1);
        a2 = v03.fma(w1, a2);
        a3 = v03.fma(w0, a3);
        FloatVector v04 = FloatVector.fromArray(S, x0, o0 + c + 4 * VL);
        a2 = v04.fma(w2, a2);
        a3 = v04.fma(w1, a3);
        FloatVector v05 = FloatVector.fromArray(S, x0, o0 + c + 5 * VL);
        a3 = v05.fma(w2, a3);
        FloatVector v10 = FloatVector.fromArray(S, x1, o1 + c);
        a0 = v10.fma(w3, a0);
        FloatVector v11 = FloatVector.fromArray(S, x1, o1 + c + VL);
        a0 = v11.fma(w4, a0);
        a1 = v11.fma(w3, a1);
        FloatVector v12 = FloatVector.fromArray(S, x1, o1 + c + 2 * VL);
        a0 = v12.fma(w5, a0);
        a1 = v12.fma(w4, a1);
        a2 = v12.fma(w3, a2);
        FloatVector v13 = FloatVector.fromArray(S, x1, o1 + c + 3 * VL);
        a1 = v13.fma(w5, a1);
        a2 = v13.fma(w4, a2);
        a3 = v13.fma(w3, a3);
        FloatVector v14 = FloatVector.fromArray(S, x1, o1 + c + 4 * VL);
        a2 = v14.fma(w5, a2);
        a3 = v14.fma(w4, a3);
        FloatVector v15 = FloatVector.fromArray(S, x1, o1 + c + 5 * VL);
        a3 = v15.fma(w5, a3);
        FloatVector v20 = FloatVector.fromArray(S, x2, o2 + c);
        a0 = v20.fma(w6, a0);
        FloatVector v21 = FloatVector.fromArray(S, x2, o2 + c + VL);
        a0 = v21.fma(w7, a0);
        a1 = v21.fma(w6, a1);
        FloatVector v22 = FloatVector.fromArray(S, x2, o2 + c + 2 * VL);
        a0 = v22.fma(w8, a0);
        a1 = v22.fma(w7, a1);
        a2 = v22.fma(w6, a2);
        FloatVector v23 = FloatVector.fromArray(S, x2, o2 + c + 3 * VL);
        a1 = v23.fma(w8, a1);
        a2 = v23.fma(w7, a2);
        a3 = v23.fma(w6, a3);
        FloatVector v24 = FloatVector.fromArray(S, x2, o2 + c + 4 * VL);
        a2 = v24.fma(w8, a2);
        a3 = v24.fma(w7, a3);
        FloatVector v25 = FloatVector.fromArray(S, x2, o2 + c + 5 * VL);
        a3 = v25.fma(w8, a3);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
        a1 = a1.blend(lo, a1.compare(LE, lo));
        a1 = a1.blend(hi, a1.compare(GT, hi));
        a1.intoArray(y, yRow + (j + 1) * VL);
        a2 = a2.blend(lo, a2.compare(LE, lo));
        a2 = a2.blend(hi, a2.compare(GT, hi));
        a2.intoArray(y, yRow + (j + 2) * VL);
        a3 = a3.blend(lo, a3.compare(LE, lo));
        a3 = a3.blend(hi, a3.compare(GT, hi));
        a3.intoArray(y, yRow + (j + 3) * VL);
      }
      for (; j < interiorHi; j++, c += step) {
        FloatVector a0 = b0;
        a0 = FloatVector.fromArray(S, x0, o0 + c).fma(w0, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + VL).fma(w1, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + 2 * VL).fma(w2, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c).fma(w3, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + VL).fma(w4, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + 2 * VL).fma(w5, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c).fma(w6, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + VL).fma(w7, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + 2 * VL).fma(w8, a0);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
      }
    }
  }

  /**
   * Interior columns, stride 2 and unit dilation: an output's last tap column is the next one's
   * first, so each tap row loads nine vectors for four outputs.
   */
  private void interiorStride23x3(int plane, int block, int r0, int r1) {
    int ow = g.ow();
    int step = 2 * VL;
    int wBlock = block * 9 * VL;
    FloatVector b0 = FloatVector.fromArray(S, bb, block * VL);
    FloatVector lo = FloatVector.broadcast(S, clampLo);
    FloatVector hi = FloatVector.broadcast(S, clampHi);
    FloatVector w0 = FloatVector.fromArray(S, wb, wBlock);
    FloatVector w1 = FloatVector.fromArray(S, wb, wBlock + VL);
    FloatVector w2 = FloatVector.fromArray(S, wb, wBlock + 2 * VL);
    FloatVector w3 = FloatVector.fromArray(S, wb, wBlock + 3 * VL);
    FloatVector w4 = FloatVector.fromArray(S, wb, wBlock + 4 * VL);
    FloatVector w5 = FloatVector.fromArray(S, wb, wBlock + 5 * VL);
    FloatVector w6 = FloatVector.fromArray(S, wb, wBlock + 6 * VL);
    FloatVector w7 = FloatVector.fromArray(S, wb, wBlock + 7 * VL);
    FloatVector w8 = FloatVector.fromArray(S, wb, wBlock + 8 * VL);
    int first = (interiorLo * g.sw() - g.pw()) * VL; // first tap column of the first output
    for (int r = r0; r < r1; r++) {
      int o0 = tapRow(plane, r, 0);
      float[] x0 = o0 < 0 ? zeros : x;
      o0 = Math.max(o0, 0) + first;
      int o1 = tapRow(plane, r, 1);
      float[] x1 = o1 < 0 ? zeros : x;
      o1 = Math.max(o1, 0) + first;
      int o2 = tapRow(plane, r, 2);
      float[] x2 = o2 < 0 ? zeros : x;
      o2 = Math.max(o2, 0) + first;
      int yRow = (plane * g.oh() + r) * ow * VL;
      int j = interiorLo;
      int c = 0;
      for (; j + 3 < interiorHi; j += 4, c += 8 * VL) {
        FloatVector a0 = b0;
        FloatVector a1 = b0;
        FloatVector a2 = b0;
        FloatVector a3 = b0;
        FloatVector v00 = FloatVector.fromArray(S, x0, o0 + c);
        a0 = v00.fma(w0, a0);
        FloatVector v01 = FloatVector.fromArray(S, x0, o0 + c + VL);
        a0 = v01.fma(w1, a0);
        FloatVector v02 = FloatVector.fromArray(S, x0, o0 + c + 2 * VL);
        a0 = v02.fma(w2, a0);
        a1 = v02.fma(w0, a1);
        FloatVector v03 = FloatVector.fromArray(S, x0, o0 + c + 3 * VL);
        a1 = v03.fma(w1, a1);
        FloatVector v04 = FloatVector.fromArray(S, x0, o0 + c + 4 * VL);
        a1 = v04.fma(w2, a1);
        a2 = v04.fma(w0, a2);
        FloatVector v05 = FloatVector.fromArray(S, x0, o0 + c + 5 * VL);
        a2 = v05.fma(w1, a2);
        FloatVector v06 = FloatVector.fromArray(S, x0, o0 + c + 6 * VL);
        a2 = v06.fma(w2, a2);
        a3 = v06.fma(w0, a3);
        FloatVector v07 = FloatVector.fromArray(S, x0, o0 + c + 7 * VL);
        a3 = v07.fma(w1, a3);
        FloatVector v08 = FloatVector.fromArray(S, x0, o0 + c + 8 * VL);
        a3 = v08.fma(w2, a3);
        FloatVector v10 = FloatVector.fromArray(S, x1, o1 + c);
        a0 = v10.fma(w3, a0);
        FloatVector v11 = FloatVector.fromArray(S, x1, o1 + c + VL);
        a0 = v11.fma(w4, a0);
        FloatVector v12 = FloatVector.fromArray(S, x1, o1 + c + 2 * VL);
        a0 = v12.fma(w5, a0);
        a1 = v12.fma(w3, a1);
        FloatVector v13 = FloatVector.fromArray(S, x1, o1 + c + 3 * VL);
        a1 = v13.fma(w4, a1);
        FloatVector v14 = FloatVector.fromArray(S, x1, o1 + c + 4 * VL);
        a1 = v14.fma(w5, a1);
        a2 = v14.fma(w3, a2);
        FloatVector v15 = FloatVector.fromArray(S, x1, o1 + c + 5 * VL);
        a2 = v15.fma(w4, a2);
        FloatVector v16 = FloatVector.fromArray(S, x1, o1 + c + 6 * VL);
        a2 = v16.fma(w5, a2);
        a3 = v16.fma(w3, a3);
        FloatVector v17 = FloatVector.fromArray(S, x1, o1 + c + 7 * VL);
        a3 = v17.fma(w4, a3);
        FloatVector v18 = FloatVector.fromArray(S, x1, o1 + c + 8 * VL);
        a3 = v18.fma(w5, a3);
        FloatVector v20 = FloatVector.fromArray(S, x2, o2 + c);
        a0 = v20.fma(w6, a0);
        FloatVector v21 = FloatVector.fromArray(S, x2, o2 + c + VL);
        a0 = v21.fma(w7, a0);
        FloatVector v22 = FloatVector.fromArray(S, x2, o2 + c + 2 * VL);
        a0 = v22.fma(w8, a0);
        a1 = v22.fma(w6, a1);
        FloatVector v23 = FloatVector.fromArray(S, x2, o2 + c + 3 * VL);
        a1 = v23.fma(w7, a1);
        FloatVector v24 = FloatVector.fromArray(S, x2, o2 + c + 4 * VL);
        a1 = v24.fma(w8, a1);
        a2 = v24.fma(w6, a2);
        FloatVector v25 = FloatVector.fromArray(S, x2, o2 + c + 5 * VL);
        a2 = v25.fma(w7, a2);
        FloatVector v26 = FloatVector.fromArray(S, x2, o2 + c + 6 * VL);
        a2 = v26.fma(w8, a2);
        a3 = v26.fma(w6, a3);
        FloatVector v27 = FloatVector.fromArray(S, x2, o2 + c + 7 * VL);
        a3 = v27.fma(w7, a3);
        FloatVector v28 = FloatVector.fromArray(S, x2, o2 + c + 8 * VL);
        a3 = v28.fma(w8, a3);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
        a1 = a1.blend(lo, a1.compare(LE, lo));
        a1 = a1.blend(hi, a1.compare(GT, hi));
        a1.intoArray(y, yRow + (j + 1) * VL);
        a2 = a2.blend(lo, a2.compare(LE, lo));
        a2 = a2.blend(hi, a2.compare(GT, hi));
        a2.intoArray(y, yRow + (j + 2) * VL);
        a3 = a3.blend(lo, a3.compare(LE, lo));
        a3 = a3.blend(hi, a3.compare(GT, hi));
        a3.intoArray(y, yRow + (j + 3) * VL);
      }
      for (; j < interiorHi; j++, c += step) {
        FloatVector a0 = b0;
        a0 = FloatVector.fromArray(S, x0, o0 + c).fma(w0, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + VL).fma(w1, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + 2 * VL).fma(w2, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c).fma(w3, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + VL).fma(w4, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + 2 * VL).fma(w5, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c).fma(w6, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + VL).fma(w7, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + 2 * VL).fma(w8, a0);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
      }
    }
  }

  /** Interior columns, any stride and dilation: four outputs at a time. */
  private void interior3x3(int plane, int block, int r0, int r1) {
    int ow = g.ow();
    int step = g.sw() * VL;
    int t1 = g.dw() * VL;
    int t2 = 2 * t1;
    int wBlock = block * 9 * VL;
    FloatVector b0 = FloatVector.fromArray(S, bb, block * VL);
    FloatVector lo = FloatVector.broadcast(S, clampLo);
    FloatVector hi = FloatVector.broadcast(S, clampHi);
    FloatVector w0 = FloatVector.fromArray(S, wb, wBlock);
    FloatVector w1 = FloatVector.fromArray(S, wb, wBlock + VL);
    FloatVector w2 = FloatVector.fromArray(S, wb, wBlock + 2 * VL);
    FloatVector w3 = FloatVector.fromArray(S, wb, wBlock + 3 * VL);
    FloatVector w4 = FloatVector.fromArray(S, wb, wBlock + 4 * VL);
    FloatVector w5 = FloatVector.fromArray(S, wb, wBlock + 5 * VL);
    FloatVector w6 = FloatVector.fromArray(S, wb, wBlock + 6 * VL);
    FloatVector w7 = FloatVector.fromArray(S, wb, wBlock + 7 * VL);
    FloatVector w8 = FloatVector.fromArray(S, wb, wBlock + 8 * VL);
    int first = (interiorLo * g.sw() - g.pw()) * VL; // first tap column of the first output
    for (int r = r0; r < r1; r++) {
      int o0 = tapRow(plane, r, 0);
      float[] x0 = o0 < 0 ? zeros : x;
      o0 = Math.max(o0, 0) + first;
      int o1 = tapRow(plane, r, 1);
      float[] x1 = o1 < 0 ? zeros : x;
      o1 = Math.max(o1, 0) + first;
      int o2 = tapRow(plane, r, 2);
      float[] x2 = o2 < 0 ? zeros : x;
      o2 = Math.max(o2, 0) + first;
      int yRow = (plane * g.oh() + r) * ow * VL;
      int j = interiorLo;
      int c = 0;
      for (; j + 3 < interiorHi; j += 4, c += 4 * step) {
        int d1 = c + step;
        int d2 = d1 + step;
        int d3 = d2 + step;
        FloatVector a0 = b0;
        FloatVector a1 = b0;
        FloatVector a2 = b0;
        FloatVector a3 = b0;
        a0 = FloatVector.fromArray(S, x0, o0 + c).fma(w0, a0);
        a1 = FloatVector.fromArray(S, x0, o0 + d1).fma(w0, a1);
        a2 = FloatVector.fromArray(S, x0, o0 + d2).fma(w0, a2);
        a3 = FloatVector.fromArray(S, x0, o0 + d3).fma(w0, a3);
        a0 = FloatVector.fromArray(S, x0, o0 + c + t1).fma(w1, a0);
        a1 = FloatVector.fromArray(S, x0, o0 + d1 + t1).fma(w1, a1);
        a2 = FloatVector.fromArray(S, x0, o0 + d2 + t1).fma(w1, a2);
        a3 = FloatVector.fromArray(S, x0, o0 + d3 + t1).fma(w1, a3);
        a0 = FloatVector.fromArray(S, x0, o0 + c + t2).fma(w2, a0);
        a1 = FloatVector.fromArray(S, x0, o0 + d1 + t2).fma(w2, a1);
        a2 = FloatVector.fromArray(S, x0, o0 + d2 + t2).fma(w2, a2);
        a3 = FloatVector.fromArray(S, x0, o0 + d3 + t2).fma(w2, a3);
        a0 = FloatVector.fromArray(S, x1, o1 + c).fma(w3, a0);
        a1 = FloatVector.fromArray(S, x1, o1 + d1).fma(w3, a1);
        a2 = FloatVector.fromArray(S, x1, o1 + d2).fma(w3, a2);
        a3 = FloatVector.fromArray(S, x1, o1 + d3).fma(w3, a3);
        a0 = FloatVector.fromArray(S, x1, o1 + c + t1).fma(w4, a0);
        a1 = FloatVector.fromArray(S, x1, o1 + d1 + t1).fma(w4, a1);
        a2 = FloatVector.fromArray(S, x1, o1 + d2 + t1).fma(w4, a2);
        a3 = FloatVector.fromArray(S, x1, o1 + d3 + t1).fma(w4, a3);
        a0 = FloatVector.fromArray(S, x1, o1 + c + t2).fma(w5, a0);
        a1 = FloatVector.fromArray(S, x1, o1 + d1 + t2).fma(w5, a1);
        a2 = FloatVector.fromArray(S, x1, o1 + d2 + t2).fma(w5, a2);
        a3 = FloatVector.fromArray(S, x1, o1 + d3 + t2).fma(w5, a3);
        a0 = FloatVector.fromArray(S, x2, o2 + c).fma(w6, a0);
        a1 = FloatVector.fromArray(S, x2, o2 + d1).fma(w6, a1);
        a2 = FloatVector.fromArray(S, x2, o2 + d2).fma(w6, a2);
        a3 = FloatVector.fromArray(S, x2, o2 + d3).fma(w6, a3);
        a0 = FloatVector.fromArray(S, x2, o2 + c + t1).fma(w7, a0);
        a1 = FloatVector.fromArray(S, x2, o2 + d1 + t1).fma(w7, a1);
        a2 = FloatVector.fromArray(S, x2, o2 + d2 + t1).fma(w7, a2);
        a3 = FloatVector.fromArray(S, x2, o2 + d3 + t1).fma(w7, a3);
        a0 = FloatVector.fromArray(S, x2, o2 + c + t2).fma(w8, a0);
        a1 = FloatVector.fromArray(S, x2, o2 + d1 + t2).fma(w8, a1);
        a2 = FloatVector.fromArray(S, x2, o2 + d2 + t2).fma(w8, a2);
        a3 = FloatVector.fromArray(S, x2, o2 + d3 + t2).fma(w8, a3);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
        a1 = a1.blend(lo, a1.compare(LE, lo));
        a1 = a1.blend(hi, a1.compare(GT, hi));
        a1.intoArray(y, yRow + (j + 1) * VL);
        a2 = a2.blend(lo, a2.compare(LE, lo));
        a2 = a2.blend(hi, a2.compare(GT, hi));
        a2.intoArray(y, yRow + (j + 2) * VL);
        a3 = a3.blend(lo, a3.compare(LE, lo));
        a3 = a3.blend(hi, a3.compare(GT, hi));
        a3.intoArray(y, yRow + (j + 3) * VL);
      }
      for (; j < interiorHi; j++, c += step) {
        FloatVector a0 = b0;
        a0 = FloatVector.fromArray(S, x0, o0 + c).fma(w0, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + t1).fma(w1, a0);
        a0 = FloatVector.fromArray(S, x0, o0 + c + t2).fma(w2, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c).fma(w3, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + t1).fma(w4, a0);
        a0 = FloatVector.fromArray(S, x1, o1 + c + t2).fma(w5, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c).fma(w6, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + t1).fma(w7, a0);
        a0 = FloatVector.fromArray(S, x2, o2 + c + t2).fma(w8, a0);
        a0 = a0.blend(lo, a0.compare(LE, lo));
        a0 = a0.blend(hi, a0.compare(GT, hi));
        a0.intoArray(y, yRow + j * VL);
      }
    }
  }

  /**
   * The columns of {@link #borderCols} in rows [r0, r1), two at a time (two independent sums), only
   * the tap columns inside the image (bit t of {@link #tapMask}) summed.
   */
  private void border3x3(int plane, int block, int r0, int r1) {
    int count = borderCols.length;
    if (count == 0) {
      return;
    }
    int ow = g.ow();
    int t1 = g.dw() * VL;
    int t2 = 2 * t1;
    int wBlock = block * 9 * VL;
    FloatVector b0 = FloatVector.fromArray(S, bb, block * VL);
    FloatVector lo = FloatVector.broadcast(S, clampLo);
    FloatVector hi = FloatVector.broadcast(S, clampHi);
    FloatVector w0 = FloatVector.fromArray(S, wb, wBlock);
    FloatVector w1 = FloatVector.fromArray(S, wb, wBlock + 1 * VL);
    FloatVector w2 = FloatVector.fromArray(S, wb, wBlock + 2 * VL);
    FloatVector w3 = FloatVector.fromArray(S, wb, wBlock + 3 * VL);
    FloatVector w4 = FloatVector.fromArray(S, wb, wBlock + 4 * VL);
    FloatVector w5 = FloatVector.fromArray(S, wb, wBlock + 5 * VL);
    FloatVector w6 = FloatVector.fromArray(S, wb, wBlock + 6 * VL);
    FloatVector w7 = FloatVector.fromArray(S, wb, wBlock + 7 * VL);
    FloatVector w8 = FloatVector.fromArray(S, wb, wBlock + 8 * VL);
    for (int r = r0; r < r1; r++) {
      int o0 = tapRow(plane, r, 0);
      float[] x0 = o0 < 0 ? zeros : x;
      o0 = Math.max(o0, 0);
      int o1 = tapRow(plane, r, 1);
      float[] x1 = o1 < 0 ? zeros : x;
      o1 = Math.max(o1, 0);
      int o2 = tapRow(plane, r, 2);
      float[] x2 = o2 < 0 ? zeros : x;
      o2 = Math.max(o2, 0);
      int yRow = (plane * g.oh() + r) * ow * VL;
      for (int k = 0; k < count; k += 2) {
        // an odd count computes its last column twice, which stores the same value twice
        int k2 = Math.min(k + 1, count - 1);
        int ja = borderCols[k];
        int jb = borderCols[k2];
        int ma = tapMask[k];
        int mb = tapMask[k2];
        int ca = (ja * g.sw() - g.pw()) * VL;
        int cb = (jb * g.sw() - g.pw()) * VL;
        FloatVector a = b0;
        FloatVector b = b0;
        if ((ma & 1) != 0) {
          a = FloatVector.fromArray(S, x0, o0 + ca).fma(w0, a);
        }
        if ((mb & 1) != 0) {
          b = FloatVector.fromArray(S, x0, o0 + cb).fma(w0, b);
        }
        if ((ma & 2) != 0) {
          a = FloatVector.fromArray(S, x0, o0 + ca + t1).fma(w1, a);
        }
        if ((mb & 2) != 0) {
          b = FloatVector.fromArray(S, x0, o0 + cb + t1).fma(w1, b);
        }
        if ((ma & 4) != 0) {
          a = FloatVector.fromArray(S, x0, o0 + ca + t2).fma(w2, a);
        }
        if ((mb & 4) != 0) {
          b = FloatVector.fromArray(S, x0, o0 + cb + t2).fma(w2, b);
        }
        if ((ma & 1) != 0) {
          a = FloatVector.fromArray(S, x1, o1 + ca).fma(w3, a);
        }
        if ((mb & 1) != 0) {
          b = FloatVector.fromArray(S, x1, o1 + cb).fma(w3, b);
        }
        if ((ma & 2) != 0) {
          a = FloatVector.fromArray(S, x1, o1 + ca + t1).fma(w4, a);
        }
        if ((mb & 2) != 0) {
          b = FloatVector.fromArray(S, x1, o1 + cb + t1).fma(w4, b);
        }
        if ((ma & 4) != 0) {
          a = FloatVector.fromArray(S, x1, o1 + ca + t2).fma(w5, a);
        }
        if ((mb & 4) != 0) {
          b = FloatVector.fromArray(S, x1, o1 + cb + t2).fma(w5, b);
        }
        if ((ma & 1) != 0) {
          a = FloatVector.fromArray(S, x2, o2 + ca).fma(w6, a);
        }
        if ((mb & 1) != 0) {
          b = FloatVector.fromArray(S, x2, o2 + cb).fma(w6, b);
        }
        if ((ma & 2) != 0) {
          a = FloatVector.fromArray(S, x2, o2 + ca + t1).fma(w7, a);
        }
        if ((mb & 2) != 0) {
          b = FloatVector.fromArray(S, x2, o2 + cb + t1).fma(w7, b);
        }
        if ((ma & 4) != 0) {
          a = FloatVector.fromArray(S, x2, o2 + ca + t2).fma(w8, a);
        }
        if ((mb & 4) != 0) {
          b = FloatVector.fromArray(S, x2, o2 + cb + t2).fma(w8, b);
        }
        a = a.blend(lo, a.compare(LE, lo));
        a = a.blend(hi, a.compare(GT, hi));
        a.intoArray(y, yRow + ja * VL);
        b = b.blend(lo, b.compare(LE, lo));
        b = b.blend(hi, b.compare(GT, hi));
        b.intoArray(y, yRow + jb * VL);
      }
    }
  }

  /**
   * Residual and activation of the {@code n} floats of a row just written at {@code off}, while
   * they are in the L1 cache. A pass of its own keeps the convolution loops small enough to compile
   * with their vectors in registers.
   */
  private void finish(int off, int n) {
    if (!rowPass) {
      return;
    }
    if (vectorAct) {
      for (int i = off; i < off + n; i += VL) {
        FloatVector v = FloatVector.fromArray(S, y, i);
        if (res != null) {
          v = v.add(FloatVector.fromArray(S, res, i));
        }
        v.intoArray(y, i);
        Sgemm.activate(y, i, y, i, act, p, q);
      }
    } else {
      for (int i = off; i < off + n; i++) {
        y[i] = Activation.apply(act, res == null ? y[i] : y[i] + res[i], p, q);
      }
    }
  }
}
