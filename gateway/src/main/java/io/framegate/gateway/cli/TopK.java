package io.framegate.gateway.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The K largest values of a flattened output with their indices. */
final class TopK {
  record Entry(int index, float value) {}

  private TopK() {}

  /**
   * Largest first; equal values keep the lower index first. NaN ranks above every number (as in
   * {@link Float#compare}) so that a broken output shows at the top instead of hiding.
   */
  static List<Entry> of(float[] values, int k) {
    int n = Math.min(k, values.length);
    if (n <= 0) {
      return List.of();
    }
    if (n > 256) {
      // a large K: sorting everything beats the insertion window below
      Integer[] order = new Integer[values.length];
      Arrays.setAll(order, i -> i);
      Arrays.sort(order, (a, b) -> before(values, a, b) ? -1 : before(values, b, a) ? 1 : 0);
      List<Entry> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(new Entry(order[i], values[order[i]]));
      }
      return out;
    }
    // a sorted window of the best n so far: O(len·n) worst case, O(len) for typical outputs
    int[] best = new int[n];
    int filled = 0;
    for (int i = 0; i < values.length; i++) {
      if (filled == n && !before(values, i, best[n - 1])) {
        continue;
      }
      int at = filled < n ? filled++ : n - 1;
      while (at > 0 && before(values, i, best[at - 1])) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = i;
    }
    List<Entry> out = new ArrayList<>(n);
    for (int i : Arrays.copyOf(best, filled)) {
      out.add(new Entry(i, values[i]));
    }
    return out;
  }

  /** Whether element i ranks before element j. */
  private static boolean before(float[] v, int i, int j) {
    int c = Float.compare(v[i], v[j]);
    return c > 0 || (c == 0 && i < j);
  }
}
