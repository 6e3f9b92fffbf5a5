package io.framegate.tests.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.framegate.accelerator.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AllCloseTest {
  private final AllClose onnx = AllClose.ONNX;

  @Test
  void boundIsAtolPlusRtolTimesExpected() {
    // expected 1000: bound = 1e-7 + 1e-3·1000 = 1.0000001; float steps near 1000 are 6.1e-5
    assertTrue(onnx.close(1000.999f, 1000f));
    assertFalse(onnx.close(1001.0002f, 1000f));
    // the bound scales with |expected|, not |actual|
    assertTrue(onnx.close(-1000.999f, -1000f));
    // near zero only atol remains
    assertTrue(onnx.close(0.9e-7f, 0f));
    assertFalse(onnx.close(3e-7f, 0f));
  }

  @Test
  void nanMatchesOnlyNanAndInfinityOnlyItself() {
    assertTrue(onnx.close(Float.NaN, Float.NaN));
    assertFalse(onnx.close(0f, Float.NaN));
    assertFalse(onnx.close(Float.NaN, 0f));
    assertTrue(onnx.close(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY));
    assertFalse(onnx.close(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY));
    assertFalse(onnx.close(Float.MAX_VALUE, Float.POSITIVE_INFINITY));
  }

  @Test
  void reportsTheFirstMismatchWithItsIndex() {
    Random r = new Random(5);
    float[] e = new float[3 * 4 * 5];
    for (int i = 0; i < e.length; i++) {
      e[i] = r.nextFloat();
    }
    float[] a = e.clone();
    assertNull(onnx.firstMismatch(Tensor.of(a, 3, 4, 5), Tensor.of(e, 3, 4, 5)));
    int flat = 2 * 20 + 1 * 5 + 3; // [2, 1, 3]
    a[flat] += 0.5f;
    a[flat + 1] += 0.5f;
    String m = onnx.firstMismatch(Tensor.of(a, 3, 4, 5), Tensor.of(e, 3, 4, 5));
    assertNotNull(m);
    assertTrue(m.startsWith("at [2, 1, 3]"), m);
  }

  @Test
  void shapesTypesAndIntegersMustMatchExactly() {
    Tensor e = Tensor.of(new float[6], 2, 3);
    assertTrue(onnx.firstMismatch(Tensor.of(new float[6], 3, 2), e).startsWith("shape [3, 2]"));
    assertTrue(onnx.firstMismatch(Tensor.ofLongs(new long[6], 2, 3), e).startsWith("type INT64"));
    assertTrue(onnx.firstMismatch(null, e).startsWith("missing"));

    long[] big = {1L << 53, 7};
    long[] offByOne = {(1L << 53) + 1, 7};
    assertNull(onnx.firstMismatch(Tensor.ofLongs(big.clone(), 2), Tensor.ofLongs(big, 2)));
    assertEquals(
        "at [0]: " + offByOne[0] + ", expected " + big[0],
        onnx.firstMismatch(Tensor.ofLongs(offByOne, 2), Tensor.ofLongs(big, 2)));
  }
}
