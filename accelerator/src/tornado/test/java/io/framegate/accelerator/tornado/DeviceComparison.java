package io.framegate.accelerator.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.framegate.accelerator.graph.Graph;
import io.framegate.accelerator.graph.ValueInfo;
import io.framegate.accelerator.tensor.Shapes;
import io.framegate.accelerator.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Seeded inputs for a specialised graph and the element-wise agreement rule for device results. */
final class DeviceComparison {
  /** Relative tolerance; the absolute floor is this times the largest reference magnitude. */
  static final double RTOL = 1e-5;

  private DeviceComparison() {}

  static Map<String, Tensor> randomInputs(Graph g, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> feed = new LinkedHashMap<>();
    for (ValueInfo in : g.inputs()) {
      float[] x = new float[Shapes.size(in.shape())];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextFloat() * 2f - 1f;
      }
      feed.put(in.name(), Tensor.of(x, in.shape()));
    }
    return feed;
  }

  /**
   * |device − reference| ≤ RTOL·(|reference| + max|reference|) element-wise; returns the largest
   * error relative to max|reference| (for reports).
   */
  static double assertAgree(
      Map<String, Tensor> reference, Map<String, Tensor> device, String what) {
    assertEquals(reference.keySet(), device.keySet(), what + ": output names");
    double worst = 0;
    for (var e : reference.entrySet()) {
      Tensor ref = e.getValue();
      Tensor dev = device.get(e.getKey());
      assertArrayEquals(ref.shape(), dev.shape(), what + ": shape of " + e.getKey());
      float[] a = ref.floats();
      float[] b = dev.floats();
      double scale = 0;
      for (float v : a) {
        if (Float.isFinite(v)) {
          scale = Math.max(scale, Math.abs(v));
        }
      }
      scale = Math.max(scale, Float.MIN_NORMAL);
      for (int i = 0; i < a.length; i++) {
        if (Float.isNaN(a[i]) || Float.isInfinite(a[i])) {
          assertEquals(a[i], b[i], what + ": " + e.getKey() + "[" + i + "]");
          continue;
        }
        double err = Math.abs((double) a[i] - b[i]);
        double allowed = RTOL * (Math.abs(a[i]) + scale);
        if (!(err <= allowed)) {
          throw new AssertionError(
              what
                  + ": "
                  + e.getKey()
                  + "["
                  + i
                  + "] device "
                  + b[i]
                  + " vs reference "
                  + a[i]
                  + " (error "
                  + err
                  + " > "
                  + allowed
                  + ")");
        }
        worst = Math.max(worst, err / scale);
      }
    }
    return worst;
  }
}
