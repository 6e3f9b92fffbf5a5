package io.framegate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.framegate.accelerator.Model;
import io.framegate.accelerator.backend.ReferenceBackend;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.plan.ExecutionPlan;
import io.framegate.accelerator.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pretrained models from npm (made by scripts/fetch-models) on real inputs: the engine must agree
 * with ONNX Runtime, with TF.js's own output for the converted TF.js model, and classify the images
 * correctly. The models directory comes from system property {@code framegate.models.dir}; without
 * it (fetch-models not run) the tests are skipped.
 */
class RealModelsIT {
  private static final String[] NSFW_LABELS = {"Drawing", "Hentai", "Neutral", "Porn", "Sexy"};

  /** TF.js 4.22 (@tensorflow/tfjs in Node) on nsfwjs 4.4.0's MobileNetV2 for {@link #gradient}. */
  private static final float[] NSFW_TFJS_GRADIENT = {
    0.85836f, 0.02069f, 0.11394f, 0.00564f, 0.00138f
  };

  /** PaddleOCR's default cls_thresh: the "180" score needed before a crop is turned. */
  private static final float PADDLE_CLS_THRESH = 0.9f;

  private static Path models;
  private static OrtEnvironment ort;

  @BeforeAll
  static void locateModels() {
    models = Path.of(System.getProperty("framegate.models.dir", "models"));
    assumeTrue(
        Files.isDirectory(models.resolve("text-direction")),
        "no models in " + models.toAbsolutePath() + ": run scripts/fetch-models");
    ort = OrtEnvironment.getEnvironment();
  }

  // ---- text direction (PaddleOCR's classifier: 0° or 180°) ----

  @Test
  void textDirectionOfRenderedTextUprightAndRotated() throws Exception {
    List<BufferedImage> upright = new ArrayList<>();
    Font[] fonts = {
      new Font(Font.SANS_SERIF, Font.PLAIN, 30),
      new Font(Font.SERIF, Font.PLAIN, 30),
      new Font(Font.MONOSPACED, Font.BOLD, 26)
    };
    String[] texts = {"Hello world", "framegate 0.1", "The quick brown fox", "Invoice 4711"};
    for (int i = 0; i < texts.length; i++) {
      upright.add(render(texts[i], fonts[i % fonts.length]));
    }
    checkTextDirection(upright, "rendered");
  }

  @Test
  void textDirectionOfScannedPageLines() throws Exception {
    BufferedImage page = ImageIO.read(sample("page.png").toFile());
    // text lines of the scanned page (rows found from its dark-pixel profile), 4:1 crops as a
    // text detector would hand them to the classifier
    int[][] lines = {{47, 65}, {65, 84}, {83, 101}, {100, 118}};
    List<BufferedImage> upright = new ArrayList<>();
    for (int[] l : lines) {
      int h = l[1] - l[0];
      for (int x = 0; x + 4 * h <= page.getWidth() - 20; x += 90) {
        upright.add(page.getSubimage(x + 10, l[0], 4 * h, h));
      }
    }
    checkTextDirection(upright, "page.png");
  }

  /**
   * Upright crops must come out as "0", the same crops turned by 180° as "180", under PaddleOCR's
   * decision rule.
   */
  private static void checkTextDirection(List<BufferedImage> upright, String what)
      throws Exception {
    Path file = models.resolve("text-direction/model.onnx");
    List<String> labels = Files.readAllLines(models.resolve("text-direction/labels.txt"));
    assertEquals(List.of("0", "180"), labels);
    int n = upright.size() * 2;
    float[] batch = new float[n * 3 * 48 * 192];
    for (int i = 0; i < upright.size(); i++) {
      paddleClsInput(upright.get(i), batch, 2 * i);
      paddleClsInput(rotate180(upright.get(i)), batch, 2 * i + 1);
    }
    int[] shape = {n, 3, 48, 192};
    float[] ours = runEngine(file, batch, shape);
    float[] theirs = runOrt(file, batch, shape);
    assertAgree(theirs, ours);

    int wrong = 0;
    for (int i = 0; i < n; i++) {
      int expected = i % 2; // upright, rotated, upright, ...
      // PaddleOCR's rule: turn a crop only when "180" scores above cls_thresh (default 0.9)
      int got = ours[2 * i + 1] > PADDLE_CLS_THRESH ? 1 : 0;
      System.out.printf(
          Locale.ROOT,
          "text-direction %s #%d %-7s -> %-3s (p180=%.4f)%n",
          what,
          i / 2,
          expected == 0 ? "upright" : "rotated",
          labels.get(got),
          ours[2 * i + 1]);
      if (got != expected) {
        wrong++;
      }
    }
    assertEquals(0, wrong, wrong + " of " + n + " " + what + " crops in the wrong direction");
  }

  /**
   * PaddleOCR's classifier input: resize to height 48 keeping the aspect ratio (width at most 192,
   * squashed beyond), (pixel/255 − 0.5)/0.5, zeros to the right. Gray text: RGB order is moot.
   */
  private static void paddleClsInput(BufferedImage img, float[] batch, int index) {
    int w = (int) Math.min(192, Math.ceil(48.0 * img.getWidth() / img.getHeight()));
    BufferedImage scaled = resize(img, w, 48);
    int base = index * 3 * 48 * 192;
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = scaled.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
          int v = (rgb >> (16 - 8 * c)) & 0xff;
          batch[base + (c * 48 + y) * 192 + x] = (v / 255f - 0.5f) / 0.5f;
        }
      }
    }
  }

  private static BufferedImage render(String text, Font font) {
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    FontMetrics m = pg.getFontMetrics(font);
    pg.dispose();
    int h = 48;
    int w = m.stringWidth(text) + 12;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setFont(font);
    g.drawString(text, 6, (h + m.getAscent() - m.getDescent()) / 2);
    g.dispose();
    return img;
  }

  private static BufferedImage rotate180(BufferedImage img) {
    BufferedImage out =
        new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        out.setRGB(img.getWidth() - 1 - x, img.getHeight() - 1 - y, img.getRGB(x, y));
      }
    }
    return out;
  }

  // ---- nsfwjs MobileNetV2, converted from TF.js ----

  @Test
  void nsfwConvertedModelReproducesTfjsAndClassifiesPhotos() throws Exception {
    Path file = models.resolve("mobilenet-v2-nsfw/model.onnx");
    assertEquals(
        List.of(NSFW_LABELS), Files.readAllLines(models.resolve("mobilenet-v2-nsfw/labels.txt")));
    String[] photos = {"coffee.png", "chelsea.png", "astronaut.png"};
    int n = 1 + photos.length;
    int size = 224 * 224;
    float[] batch = new float[n * 3 * size];
    System.arraycopy(gradient(), 0, batch, 0, 3 * size);
    for (int i = 0; i < photos.length; i++) {
      BufferedImage img = resize(ImageIO.read(sample(photos[i]).toFile()), 224, 224);
      // RGB, pixel/255 (the model's metadata: mean 0, std 1)
      for (int y = 0; y < 224; y++) {
        for (int x = 0; x < 224; x++) {
          int rgb = img.getRGB(x, y);
          for (int c = 0; c < 3; c++) {
            batch[((1 + i) * 3 + c) * size + y * 224 + x] = ((rgb >> (16 - 8 * c)) & 0xff) / 255f;
          }
        }
      }
    }
    int[] shape = {n, 3, 224, 224};
    float[] ours = runEngine(file, batch, shape);
    float[] theirs = runOrt(file, batch, shape);
    assertAgree(theirs, ours);

    // the converter against TF.js itself
    for (int k = 0; k < 5; k++) {
      assertEquals(
          NSFW_TFJS_GRADIENT[k], ours[k], 1e-3f, "gradient image, class " + NSFW_LABELS[k]);
    }
    for (int i = 0; i < photos.length; i++) {
      int best = 0;
      StringBuilder scores = new StringBuilder();
      for (int k = 0; k < 5; k++) {
        float p = ours[(1 + i) * 5 + k];
        scores.append(String.format(Locale.ROOT, " %s=%.4f", NSFW_LABELS[k], p));
        best = p > ours[(1 + i) * 5 + best] ? k : best;
      }
      System.out.println("mobilenet-v2-nsfw " + photos[i] + ":" + scores);
      assertTrue(
          NSFW_LABELS[best].equals("Neutral") || NSFW_LABELS[best].equals("Drawing"),
          photos[i] + " classified " + NSFW_LABELS[best] + ":" + scores);
    }
  }

  /**
   * The image the TF.js reference was computed on: red rising down the rows, green across the
   * columns, blue 0.5, as {@code tf.linspace(0, 1, 224)} makes them (a running float32 sum).
   */
  private static float[] gradient() {
    float[] ramp = new float[224];
    double step = 1.0 / 223;
    for (int i = 1; i < 224; i++) {
      ramp[i] = (float) (ramp[i - 1] + step);
    }
    int size = 224 * 224;
    float[] x = new float[3 * size];
    for (int y = 0; y < 224; y++) {
      for (int c = 0; c < 224; c++) {
        x[y * 224 + c] = ramp[y];
        x[size + y * 224 + c] = ramp[c];
        x[2 * size + y * 224 + c] = 0.5f;
      }
    }
    return x;
  }

  // ---- running and comparing ----

  private static Path sample(String name) {
    Path p = models.resolve(".samples").resolve(name);
    assertTrue(Files.isRegularFile(p), p + " is missing: run scripts/fetch-models");
    return p;
  }

  private static BufferedImage resize(BufferedImage img, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(
        img,
        AffineTransform.getScaleInstance((double) w / img.getWidth(), (double) h / img.getHeight()),
        null);
    g.dispose();
    return out;
  }

  private static float[] runEngine(Path file, float[] data, int[] shape) throws Exception {
    Model model = Model.load(file);
    ValueInfo in = model.inputs().getFirst();
    try (ExecutionPlan plan =
        new ReferenceBackend().compile(model.specialize(Map.of(in.name(), shape), Map.of()))) {
      Map<String, Tensor> out = plan.run(Map.of(in.name(), Tensor.of(data.clone(), shape)));
      return out.get(model.outputs().getFirst().name()).floats();
    }
  }

  private static float[] runOrt(Path file, float[] data, int[] shape)
      throws OrtException, IOException {
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = ort.createSession(Files.readAllBytes(file), options);
          OnnxTensor in = OnnxTensor.createTensor(ort, FloatBuffer.wrap(data), dims);
          OrtSession.Result r =
              session.run(Map.of(session.getInputNames().iterator().next(), in))) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
      }
    }
  }

  /** |ours − ort| ≤ 1e-4·|ort| + 1e-6 element-wise (probabilities, so the floor is negligible). */
  private static void assertAgree(float[] ort, float[] ours) {
    assertEquals(ort.length, ours.length, "output size");
    double worst = 0;
    for (int i = 0; i < ort.length; i++) {
      double err = Math.abs(ours[i] - ort[i]);
      worst = Math.max(worst, err / Math.max(Math.abs(ort[i]), 1e-6));
      assertTrue(
          err <= 1e-4 * Math.abs(ort[i]) + 1e-6,
          "element " + i + ": engine " + ours[i] + ", ONNX Runtime " + ort[i]);
    }
    System.out.printf(Locale.ROOT, "engine vs ONNX Runtime: max relative difference %.2e%n", worst);
  }
}
