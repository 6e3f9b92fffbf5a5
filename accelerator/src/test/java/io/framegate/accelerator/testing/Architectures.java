package io.framegate.accelerator.testing;

import io.framegate.proto.onnx.ModelProto;
import java.util.List;
import java.util.function.Supplier;

/**
 * The seed architectures as ONNX models with seeded random weights, laid out with torchvision's
 * layer configurations. Every model has one input {@code input} of shape [N, C, H, W] and one
 * output {@code output}. The opsets differ on purpose so the importer sees the opset-dependent
 * operator forms (Clip, Unsqueeze, Softmax, Dropout, BatchNormalization).
 */
public final class Architectures {
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";

  private static final long SEED = 20240917L;

  private Architectures() {}

  /** A named architecture whose model is built on demand (the large ones take hundreds of MB). */
  public record Architecture(String name, int[] inputShape, Supplier<ModelProto> model) {
    public byte[] bytes() {
      return model.get().toByteArray();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** All architectures, cheapest first. */
  public static List<Architecture> all() {
    return List.of(
        new Architecture("lenet5", new int[] {1, 32, 32}, Architectures::lenet5Model),
        new Architecture(
            "inceptionModule", new int[] {192, 28, 28}, Architectures::inceptionModuleModel),
        new Architecture(
            "resnet50Bottleneck", new int[] {256, 56, 56}, Architectures::resnet50BottleneckModel),
        new Architecture("mobilenetV2", new int[] {3, 224, 224}, Architectures::mobilenetV2Model),
        new Architecture("resnet18", new int[] {3, 224, 224}, Architectures::resnet18Model),
        new Architecture("alexnet", new int[] {3, 224, 224}, Architectures::alexnetModel),
        new Architecture("vgg16", new int[] {3, 224, 224}, Architectures::vgg16Model));
  }

  public static byte[] lenet5() {
    return lenet5Model().toByteArray();
  }

  public static byte[] alexnet() {
    return alexnetModel().toByteArray();
  }

  public static byte[] vgg16() {
    return vgg16Model().toByteArray();
  }

  public static byte[] inceptionModule() {
    return inceptionModuleModel().toByteArray();
  }

  public static byte[] resnet18() {
    return resnet18Model().toByteArray();
  }

  public static byte[] resnet50Bottleneck() {
    return resnet50BottleneckModel().toByteArray();
  }

  public static byte[] mobilenetV2() {
    return mobilenetV2Model().toByteArray();
  }

  /**
   * An InceptionV3-style network on 3×299×299 (not in {@link #all()}: a benchmark model). Opset 13.
   */
  public static Architecture inceptionV3StyleArchitecture() {
    return new Architecture(
        "inceptionV3Style", new int[] {3, 299, 299}, Architectures::inceptionV3StyleModel);
  }

  public static byte[] inceptionV3Style() {
    return inceptionV3StyleModel().toByteArray();
  }

  /**
   * torchvision Inception3's stem (3×3/2 32, 3×3 32, 3×3 64, max pool, 1×1 80, 3×3 192, max pool)
   * to 192×35×35, three InceptionA blocks (pool features 32, 64, 64), the InceptionB reduction to
   * 768×17×17, and two InceptionC-like blocks whose factorised 7×1/1×7 convolutions are replaced by
   * 3×3 ones (the builder makes square kernels), then GAP and FC 1000. BasicConv2d everywhere.
   */
  public static ModelProto inceptionV3StyleModel() {
    OnnxModelBuilder b = new OnnxModelBuilder("inception_v3_style", 13, SEED);
    String x = b.input(INPUT, 3, 299, 299);
    x = basicConv(b, x, 32, 3, 2, 0);
    x = basicConv(b, x, 32, 3, 1, 0);
    x = basicConv(b, x, 64, 3, 1, 1);
    x = b.maxPool(x, 3, 2, 0);
    x = basicConv(b, x, 80, 1, 1, 0);
    x = basicConv(b, x, 192, 3, 1, 0);
    x = b.maxPool(x, 3, 2, 0);
    for (int poolFeatures : new int[] {32, 64, 64}) {
      String b1 = basicConv(b, x, 64, 1, 0);
      String b5 = basicConv(b, basicConv(b, x, 48, 1, 0), 64, 5, 2);
      String b3 = basicConv(b, basicConv(b, basicConv(b, x, 64, 1, 0), 96, 3, 1), 96, 3, 1);
      String bp = basicConv(b, b.avgPool(x, 3, 1, 1), poolFeatures, 1, 0);
      x = b.concat(b1, b5, b3, bp);
    }
    String r3 = basicConv(b, x, 384, 3, 2, 0);
    String r33 = basicConv(b, basicConv(b, basicConv(b, x, 64, 1, 0), 96, 3, 1), 96, 3, 2, 0);
    x = b.concat(r3, r33, b.maxPool(x, 3, 2, 0));
    for (int mid : new int[] {128, 160}) {
      String b1 = basicConv(b, x, 192, 1, 0);
      String b7 = basicConv(b, basicConv(b, x, mid, 1, 0), 192, 3, 1);
      String b77 = basicConv(b, basicConv(b, basicConv(b, x, mid, 1, 0), mid, 3, 1), 192, 3, 1);
      String bp = basicConv(b, b.avgPool(x, 3, 1, 1), 192, 1, 0);
      x = b.concat(b1, b7, b77, bp);
    }
    x = b.flatten(b.globalAvgPool(x));
    return finish(b, b.gemm(x, 1000));
  }

  /**
   * LeNet-5 on 1×32×32: conv 6@5×5, avg pool 2, conv 16@5×5, avg pool 2, then 120, 84, 10 fully
   * connected and Softmax; flattened with the {@code x.view(x.size(0), -1)} sub-graph. Opset 13.
   */
  public static ModelProto lenet5Model() {
    OnnxModelBuilder b = new OnnxModelBuilder("lenet5", 13, SEED);
    String x = b.input(INPUT, 1, 32, 32);
    x = b.avgPool(b.relu(b.conv(x, 6, 5, 1, 0)), 2, 2, 0);
    x = b.avgPool(b.relu(b.conv(x, 16, 5, 1, 0)), 2, 2, 0);
    x = b.viewFlatten(x);
    x = b.relu(b.gemm(x, 120));
    x = b.relu(b.gemm(x, 84));
    x = b.softmax(b.gemm(x, 10));
    return finish(b, x);
  }

  /**
   * torchvision AlexNet on 3×224×224. Its AdaptiveAvgPool2d((6, 6)) is an identity at this input
   * size and is left out. Opset 14.
   */
  public static ModelProto alexnetModel() {
    OnnxModelBuilder b = new OnnxModelBuilder("alexnet", 14, SEED);
    String x = b.input(INPUT, 3, 224, 224);
    x = b.maxPool(b.relu(b.conv(x, 64, 11, 4, 2)), 3, 2, 0);
    x = b.maxPool(b.relu(b.conv(x, 192, 5, 1, 2)), 3, 2, 0);
    x = b.relu(b.conv(x, 384, 3, 1, 1));
    x = b.relu(b.conv(x, 256, 3, 1, 1));
    x = b.maxPool(b.relu(b.conv(x, 256, 3, 1, 1)), 3, 2, 0);
    x = b.flatten(x);
    x = b.relu(b.gemm(b.dropout(x), 4096));
    x = b.relu(b.gemm(b.dropout(x), 4096));
    x = b.gemm(x, 1000);
    return finish(b, x);
  }

  /** torchvision VGG-16 (configuration D, no BatchNorm) on 3×224×224. Opset 11. */
  public static ModelProto vgg16Model() {
    OnnxModelBuilder b = new OnnxModelBuilder("vgg16", 11, SEED);
    String x = b.input(INPUT, 3, 224, 224);
    int[][] stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    for (int[] stage : stages) {
      for (int channels : stage) {
        x = b.relu(b.conv(x, channels, 3, 1, 1));
      }
      x = b.maxPool(x, 2, 2, 0);
    }
    x = b.viewFlatten(x);
    x = b.dropout(b.relu(b.gemm(x, 4096)));
    x = b.dropout(b.relu(b.gemm(x, 4096)));
    x = b.gemm(x, 1000);
    return finish(b, x);
  }

  /**
   * GoogLeNet inception 3a on 192×28×28 with torchvision's BasicConv2d (conv without bias, BN with
   * eps 0.001, ReLU): 1×1 64 | 1×1 96 → 3×3 128 | 1×1 16 → 5×5 32 | 3×3 max pool → 1×1 32,
   * concatenated to 256 channels. Opset 15.
   */
  public static ModelProto inceptionModuleModel() {
    OnnxModelBuilder b = new OnnxModelBuilder("inception3a", 15, SEED);
    String x = b.input(INPUT, 192, 28, 28);
    String b1 = basicConv(b, x, 64, 1, 0);
    String b2 = basicConv(b, basicConv(b, x, 96, 1, 0), 128, 3, 1);
    String b3 = basicConv(b, basicConv(b, x, 16, 1, 0), 32, 5, 2);
    String b4 = basicConv(b, b.maxPool(x, 3, 1, 1), 32, 1, 0);
    return finish(b, b.concat(b1, b2, b3, b4));
  }

  /**
   * torchvision ResNet-18 on 3×224×224: 7×7/2 stem, 3×3/2 max pool, four stages of two basic blocks
   * (64, 128, 256, 512 channels; 1×1/2 projection shortcuts where the shape changes), GAP, FC 1000.
   * Opset 9.
   */
  public static ModelProto resnet18Model() {
    OnnxModelBuilder b = new OnnxModelBuilder("resnet18", 9, SEED);
    String x = b.input(INPUT, 3, 224, 224);
    x = b.relu(b.batchNorm(b.conv(x, 64, 7, 2, 3, 1, 1, false)));
    x = b.maxPool(x, 3, 2, 1);
    int[] widths = {64, 128, 256, 512};
    for (int stage = 0; stage < widths.length; stage++) {
      for (int block = 0; block < 2; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        x = basicBlock(b, x, widths[stage], stride);
      }
    }
    x = b.flatten(b.globalAvgPool(x));
    return finish(b, b.gemm(x, 1000));
  }

  /**
   * One ResNet-50 bottleneck on 256×56×56: 1×1 256→64, 3×3 64→64, 1×1 64→256, each with BN, plus a
   * 1×1 conv + BN projection shortcut, Add, ReLU. Opset 17.
   */
  public static ModelProto resnet50BottleneckModel() {
    OnnxModelBuilder b = new OnnxModelBuilder("resnet50_bottleneck", 17, SEED);
    String x = b.input(INPUT, 256, 56, 56);
    String y = b.relu(b.batchNorm(b.conv(x, 64, 1, 1, 0, 1, 1, false)));
    y = b.relu(b.batchNorm(b.conv(y, 64, 3, 1, 1, 1, 1, false)));
    y = b.batchNorm(b.conv(y, 256, 1, 1, 0, 1, 1, false));
    String shortcut = b.batchNorm(b.conv(x, 256, 1, 1, 0, 1, 1, false));
    return finish(b, b.relu(b.add(y, shortcut)));
  }

  /**
   * torchvision MobileNetV2 (width 1.0) on 3×224×224: 3×3/2 stem to 32, the inverted residual
   * blocks (t, c, n, s) below, 1×1 to 1280, GAP, flatten, dropout, FC 1000. ReLU6 is Clip(0, 6).
   * Opset 12.
   */
  public static ModelProto mobilenetV2Model() {
    OnnxModelBuilder b = new OnnxModelBuilder("mobilenet_v2", 12, SEED);
    String x = b.input(INPUT, 3, 224, 224);
    x = convBnRelu6(b, x, 32, 3, 2, 1);
    int[][] settings = {
      {1, 16, 1, 1},
      {6, 24, 2, 2},
      {6, 32, 3, 2},
      {6, 64, 4, 2},
      {6, 96, 3, 1},
      {6, 160, 3, 2},
      {6, 320, 1, 1}
    };
    for (int[] s : settings) {
      for (int i = 0; i < s[2]; i++) {
        x = invertedResidual(b, x, s[1], i == 0 ? s[3] : 1, s[0]);
      }
    }
    x = convBnRelu6(b, x, 1280, 1, 1, 1);
    x = b.flatten(b.globalAvgPool(x));
    return finish(b, b.gemm(b.dropout(x), 1000));
  }

  private static ModelProto finish(OnnxModelBuilder b, String last) {
    return b.output(last, OUTPUT).toModelProto();
  }

  private static String basicConv(OnnxModelBuilder b, String x, int out, int kernel, int pad) {
    return basicConv(b, x, out, kernel, 1, pad);
  }

  private static String basicConv(
      OnnxModelBuilder b, String x, int out, int kernel, int stride, int pad) {
    return b.relu(b.batchNorm(b.conv(x, out, kernel, stride, pad, 1, 1, false), 1e-3f));
  }

  private static String basicBlock(OnnxModelBuilder b, String x, int out, int stride) {
    int in = b.shapeOf(x)[0];
    String y = b.relu(b.batchNorm(b.conv(x, out, 3, stride, 1, 1, 1, false)));
    y = b.batchNorm(b.conv(y, out, 3, 1, 1, 1, 1, false));
    String shortcut =
        stride != 1 || in != out ? b.batchNorm(b.conv(x, out, 1, stride, 0, 1, 1, false)) : x;
    return b.relu(b.add(y, shortcut));
  }

  private static String convBnRelu6(
      OnnxModelBuilder b, String x, int out, int kernel, int stride, int group) {
    int pad = (kernel - 1) / 2;
    return b.clip(b.batchNorm(b.conv(x, out, kernel, stride, pad, group, 1, false)), 0f, 6f);
  }

  private static String invertedResidual(
      OnnxModelBuilder b, String x, int out, int stride, int expand) {
    int in = b.shapeOf(x)[0];
    int hidden = in * expand;
    String y = expand == 1 ? x : convBnRelu6(b, x, hidden, 1, 1, 1);
    y = convBnRelu6(b, y, hidden, 3, stride, hidden);
    // Linear bottleneck: no activation after the projection.
    y = b.batchNorm(b.conv(y, out, 1, 1, 0, 1, 1, false));
    return stride == 1 && in == out ? b.add(x, y) : y;
  }
}
