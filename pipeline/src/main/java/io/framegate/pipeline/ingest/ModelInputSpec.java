package io.framegate.pipeline.ingest;

import io.framegate.accelerator.graph.ValueInfo;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a model expects of an image: the input's name, its planes and size, their order and the
 * normalisation {@code (x/255 − mean[c]) / std[c]} applied to 8-bit pixels.
 */
public record ModelInputSpec(
    String inputName,
    int channels,
    int height,
    int width,
    ChannelOrder channelOrder,
    float[] mean,
    float[] std) {

  /** The largest frame side accepted, in pixels, for frames and model inputs alike. */
  public static final int MAX_SIDE = 8192;

  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  public ModelInputSpec {
    Objects.requireNonNull(inputName, "inputName");
    Objects.requireNonNull(channelOrder, "channelOrder");
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException(
          "input '" + inputName + "' must have 1 or 3 channels, has " + channels);
    }
    if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
      throw new IllegalArgumentException(
          "input '"
              + inputName
              + "' size must be between 1 and "
              + MAX_SIDE
              + ", is "
              + width
              + "x"
              + height);
    }
    if (mean == null || std == null || mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException(
          "input '" + inputName + "' needs one mean and one std per channel (" + channels + ")");
    }
    for (int c = 0; c < channels; c++) {
      if (!Float.isFinite(mean[c]) || !(std[c] > 0) || !Float.isFinite(std[c])) {
        throw new IllegalArgumentException(
            "input '"
                + inputName
                + "' channel "
                + c
                + ": mean must be finite and std finite and positive, are "
                + mean[c]
                + " and "
                + std[c]);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** torchvision's ImageNet normalisation in RGB order. */
  public static ModelInputSpec imagenet(String inputName, int height, int width) {
    return new ModelInputSpec(
        inputName, 3, height, width, ChannelOrder.RGB, IMAGENET_MEAN, IMAGENET_STD);
  }

  /** Pixels scaled to [0, 1] and nothing else. */
  public static ModelInputSpec unitRange(
      String inputName, int channels, int height, int width, ChannelOrder order) {
    float[] zero = new float[channels];
    float[] one = new float[channels];
    Arrays.fill(one, 1f);
    return new ModelInputSpec(inputName, channels, height, width, order, zero, one);
  }

  /**
   * Takes name, channels, height and width from a model's NCHW input (the batch dimension may be
   * symbolic, the others may not).
   */
  public static ModelInputSpec forInput(
      ValueInfo input, ChannelOrder order, float[] mean, float[] std) {
    int[] s = input.shape();
    if (s.length != 4 || s[1] < 1 || s[2] < 1 || s[3] < 1) {
      throw new IllegalArgumentException(
          "input '"
              + input.name()
              + "' is not an image input [N, C, H, W] with fixed C, H, W: "
              + Arrays.toString(s));
    }
    return new ModelInputSpec(input.name(), s[1], s[2], s[3], order, mean, std);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** Floats one frame occupies in a batch: C·H·W. */
  public int frameSize() {
    return channels * height * width;
  }

  /** The input shape for a batch. */
  public int[] shape(int batch) {
    return new int[] {batch, channels, height, width};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelInputSpec m
        && m.inputName.equals(inputName)
        && m.channels == channels
        && m.height == height
        && m.width == width
        && m.channelOrder == channelOrder
        && Arrays.equals(m.mean, mean)
        && Arrays.equals(m.std, std);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inputName, channels, height, width, channelOrder)
        + 31 * Arrays.hashCode(mean)
        + 17 * Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return inputName
        + "["
        + channels
        + "x"
        + height
        + "x"
        + width
        + " "
        + channelOrder
        + " mean="
        + Arrays.toString(mean)
        + " std="
        + Arrays.toString(std)
        + "]";
  }
}
