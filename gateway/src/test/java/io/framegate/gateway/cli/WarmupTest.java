package io.framegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-up's stopping rule, on a simulated clock where each run takes 100 ms. */
class WarmupTest {
  private long now;
  private long compiled;

  private Warmup warmup(double min, double quiet, double max) {
    return new Warmup(min, quiet, max, () -> now, () -> compiled);
  }

  @Test
  void stopsOnceTheCompilersHaveBeenQuietAfterTheMinimum() throws Exception {
    // the JIT works during the first 2.5 s, then stays idle
    Warmup.Result r =
        warmup(1, 1, 30)
            .run(
                () -> {
                  now += 100_000_000L;
                  if (now <= 2_500_000_000L) {
                    compiled += 7;
                  }
                });
    assertTrue(r.quiet());
    // last compilation at 2.5 s, quiet for a full second: 3.5 s, 35 runs
    assertEquals(35, r.runs());
    assertEquals(3.5, r.seconds(), 1e-9);
  }

  @Test
  void runsAtLeastTheMinimumEvenWhenNothingCompiles() throws Exception {
    Warmup.Result r = warmup(2, 0.5, 30).run(() -> now += 100_000_000L);
    assertEquals(20, r.runs());
    assertTrue(r.quiet());
  }

  @Test
  void givesUpAtTheMaximumWhileTheCompilersKeepWorking() throws Exception {
    Warmup.Result r =
        warmup(1, 1, 4)
            .run(
                () -> {
                  now += 100_000_000L;
                  compiled++;
                });
    assertFalse(r.quiet());
    assertEquals(40, r.runs());
  }

  @Test
  void alwaysRunsThreeTimes() throws Exception {
    Warmup.Result r = warmup(0, 0.001, 0).run(() -> now += 1_000_000_000L);
    assertEquals(3, r.runs());
  }

  @Test
  void aJvmThatDoesNotReportCompilationStopsAtTheMinimum() throws Exception {
    Warmup w = new Warmup(1, 1, 30, () -> now, () -> -1);
    assertEquals(10, w.run(() -> now += 100_000_000L).runs());
  }

  @Test
  void refusesImpossibleLimits() {
    assertThrows(IllegalArgumentException.class, () -> warmup(5, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> warmup(1, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> warmup(Double.NaN, 1, 2));
  }
}
