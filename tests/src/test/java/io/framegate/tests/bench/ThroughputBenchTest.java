package io.framegate.tests.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputBenchTest {

  /** Samples whose rounds ran {@code runs[r]} runs of {@code nanos[r]} each. */
  private static ThroughputBench.Samples rounds(int batch, int[] runs, long[] nanos) {
    ThroughputBench.Samples s = new ThroughputBench.Samples();
    for (int r = 0; r < runs.length; r++) {
      for (int i = 0; i < runs[r]; i++) {
        s.add(nanos[r]);
      }
      s.endRound(batch);
    }
    return s;
  }

  @Test
  void eachRoundsRateCountsOnlyThatRoundsRuns() {
    // 4 runs of 0.25 s at batch 2 (8 img/s), then 10 runs of 0.1 s (20 img/s)
    ThroughputBench.Samples s = rounds(2, new int[] {4, 10}, new long[] {250_000_000, 100_000_000});
    assertEquals(List.of(8.0, 20.0), s.roundRates);
    // over both rounds: 28 images in 2 s
    assertEquals(14.0, s.perSecond(2), 1e-9);
  }

  @Test
  void theRatioIsTheMedianOfTheRoundsRatiosNotTheRatioOfTotals() {
    // framegate at 10 img/s in every round; ORT at 5 img/s in a slow round, then 20 and 12.5
    ThroughputBench.Samples fg =
        rounds(1, new int[] {1, 1, 1}, new long[] {100_000_000, 100_000_000, 100_000_000});
    ThroughputBench.Samples ort =
        rounds(1, new int[] {1, 1, 1}, new long[] {200_000_000, 50_000_000, 80_000_000});
    ThroughputBench.Row row = new ThroughputBench.Row("m", 1, 1.0, fg, ort, 0.0);
    assertArrayEquals(new double[] {0.5, 0.8, 2.0}, row.roundRatios(), 1e-12);
    assertEquals(0.8, row.ratio(), 1e-12);
    // an even number of rounds takes the mean of the middle two
    ThroughputBench.Samples fg2 =
        rounds(1, new int[] {1, 1}, new long[] {100_000_000, 100_000_000});
    ThroughputBench.Samples ort2 =
        rounds(1, new int[] {1, 1}, new long[] {200_000_000, 50_000_000});
    assertEquals(1.25, new ThroughputBench.Row("m", 1, 1.0, fg2, ort2, 0.0).ratio(), 1e-12);
  }
}
