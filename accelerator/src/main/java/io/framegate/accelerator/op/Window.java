package io.framegate.accelerator.op;

import java.util.Arrays;

/**
 * The sliding-window geometry shared by Conv and the pooling operators: output size, begin and end
 * pads from ONNX's kernel_shape, strides, dilations, pads, auto_pad and ceil_mode. Output size per
 * spatial axis is {@code ⌊(J + P_begin + P_end − ((M−1)·D + 1)) / S⌋ + 1} (⌈⌉ with ceil_mode).
 */
public record Window(
    int[] input,
    int[] kernel,
    int[] strides,
    int[] dilations,
    int[] padBegin,
    int[] padEnd,
    int[] output) {

  public static Window of(NodeContext ctx, int[] inputSpatial, int[] kernel, boolean ceilMode) {
    int n = inputSpatial.length;
    if (kernel.length != n) {
      throw ctx.error("kernel has " + kernel.length + " spatial dimensions, input has " + n);
    }
    int[] strides = ints(ctx, "strides", n, 1);
    int[] dilations = ints(ctx, "dilations", n, 1);
    long[] pads = ctx.attrs().getInts("pads", null);
    String autoPad = ctx.attrs().getString("auto_pad", "NOTSET");
    int[] begin = new int[n];
    int[] end = new int[n];
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1) {
        throw ctx.error("strides, dilations and kernel sizes must be positive");
      }
      int extent = (kernel[i] - 1) * dilations[i] + 1;
      switch (autoPad) {
        case "NOTSET" -> {
          if (pads != null) {
            if (pads.length != 2 * n) {
              throw ctx.error("pads has " + pads.length + " values, expected " + 2 * n);
            }
            begin[i] = (int) pads[i];
            end[i] = (int) pads[i + n];
            if (begin[i] < 0 || end[i] < 0) {
              throw ctx.error("pads must not be negative");
            }
          }
          int span = inputSpatial[i] + begin[i] + end[i] - extent;
          if (span < 0) {
            throw ctx.error(
                "window of extent "
                    + extent
                    + " does not fit input size "
                    + inputSpatial[i]
                    + " with pads "
                    + begin[i]
                    + "+"
                    + end[i]);
          }
          out[i] = ceilMode ? ceilDiv(span, strides[i]) + 1 : span / strides[i] + 1;
          // the last window must start inside the input or its begin padding
          if (ceilMode && (out[i] - 1) * strides[i] >= inputSpatial[i] + begin[i]) {
            out[i]--;
          }
        }
        case "VALID" -> {
          if (inputSpatial[i] < extent) {
            throw ctx.error(
                "window of extent " + extent + " does not fit input size " + inputSpatial[i]);
          }
          out[i] = ceilDiv(inputSpatial[i] - extent + 1, strides[i]);
        }
        case "SAME_UPPER", "SAME_LOWER" -> {
          out[i] = ceilDiv(inputSpatial[i], strides[i]);
          int total = Math.max(0, (out[i] - 1) * strides[i] + extent - inputSpatial[i]);
          int small = total / 2;
          begin[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
          end[i] = total - begin[i];
        }
        default ->
            throw ctx.error(
                "auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, not " + autoPad);
      }
    }
    return new Window(inputSpatial.clone(), kernel.clone(), strides, dilations, begin, end, out);
  }

  private static int ceilDiv(int a, int b) {
    return -Math.floorDiv(-a, b);
  }

  static int[] ints(NodeContext ctx, String name, int n, int fill) {
    long[] v = ctx.attrs().getInts(name, null);
    int[] out = new int[n];
    if (v == null || v.length == 0) {
      Arrays.fill(out, fill);
      return out;
    }
    if (v.length != n) {
      throw ctx.error(name + " has " + v.length + " values, expected " + n);
    }
    for (int i = 0; i < n; i++) {
      out[i] = Math.toIntExact(v[i]);
    }
    return out;
  }

  /** Pads a 1..3-D value to 3-D, with {@code fill} in front (D and H of a 1-D window). */
  public static int[] as3d(int[] v, int fill) {
    int[] out = new int[3];
    Arrays.fill(out, fill);
    System.arraycopy(v, 0, out, 3 - v.length, v.length);
    return out;
  }
}
