package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTest {

  @Test
  void matchesAFullSortIncludingTiesNanAndLargeK() {
    Random r = new Random(17);
    for (int n : new int[] {0, 1, 5, 37, 1001}) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        // few distinct values so that ties are common
        v[i] = r.nextInt(9) - 4;
      }
      if (n > 3) {
        v[n / 2] = Float.NaN;
      }
      for (int k : new int[] {0, 1, 3, 5, n, n + 4, 300}) {
        assertEquals(naive(v, k), TopK.of(v, k), "n=" + n + " k=" + k);
      }
    }
  }

  /** Selection by repeated scans: the largest remaining (NaN first), lowest index on ties. */
  private static List<TopK.Entry> naive(float[] v, int k) {
    boolean[] taken = new boolean[v.length];
    List<TopK.Entry> out = new ArrayList<>();
    for (int rank = 0; rank < Math.min(k, v.length); rank++) {
      int best = -1;
      for (int i = 0; i < v.length; i++) {
        if (taken[i]) {
          continue;
        }
        if (best < 0
            || (Float.isNaN(v[i]) && !Float.isNaN(v[best]))
            || (!Float.isNaN(v[best]) && v[i] > v[best])) {
          best = i;
        }
      }
      taken[best] = true;
      out.add(new TopK.Entry(best, v[best]));
    }
    return out;
  }
}
