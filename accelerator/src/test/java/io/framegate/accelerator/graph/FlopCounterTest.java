package io.framegate.accelerator.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.framegate.accelerator.Model;
import io.framegate.accelerator.testing.OnnxModelBuilder;
import org.junit.jupiter.api.Test;

class FlopCounterTest {

  @Test
  void countsConvolutionsAndDenseLayersAsTwoFlopsPerMultiplyAdd() {
    OnnxModelBuilder b = new OnnxModelBuilder("flops", 13, 1);
    String x = b.input("x", 4, 10, 10);
    // 6 output channels, 3×3, stride 1, pad 1, groups 2: each output reads 2 channels × 9 taps
    String c = b.conv(x, 6, 3, 1, 1, 2, 1, true);
    String y = b.gemm(b.flatten(b.relu(c)), 7);
    Graph g = Model.load(b.output(y).toBytes(), "flops").specialize(3);
    long conv = 2L * (3 * 6 * 10 * 10) * (2 * 3 * 3);
    long gemm = 2L * (3 * 7) * (6 * 10 * 10);
    assertEquals(conv + gemm, FlopCounter.count(g));
  }
}
