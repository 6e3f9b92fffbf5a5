package io.framegate.accelerator.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GlobalAveragePool and GlobalMaxPool of a blocked tensor ({@link Blocked}), VL channels at a time.
 * The output N×C×1×1 is laid out the same in both layouts, so block b's VL results are the VL
 * floats at b·VL.
 */
final class BlockedGlobalPool {
  private BlockedGlobalPool() {}

  private static final VectorSpecies<Float> S = Sgemm.S;
  private static final int VL = Blocked.VL;

  /**
   * Y(c) = (Σ_s X(c, s)) / hw (average) or max_s X(c, s), for the channels of blocks [b0, b1)
   * (block = n·C/VL + c/VL). Each lane sums its channel's positions in order and divides once,
   * exactly as the reference kernel does, so the results are the same floats.
   */
  static void globalPool(float[] x, float[] y, int hw, boolean max, int b0, int b1) {
    for (int b = b0; b < b1; b++) {
      int base = b * hw * VL;
      int end = base + hw * VL;
      if (max) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = base; i < end; i += VL) {
          acc = acc.max(FloatVector.fromArray(S, x, i));
        }
        acc.intoArray(y, b * VL);
      } else {
        // two sums for odd and even positions would be faster, but would change the rounding
        FloatVector acc = FloatVector.zero(S);
        for (int i = base; i < end; i += VL) {
          acc = acc.add(FloatVector.fromArray(S, x, i));
        }
        acc.div((float) hw).intoArray(y, b * VL);
      }
    }
  }
}
