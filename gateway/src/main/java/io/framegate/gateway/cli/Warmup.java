package io.framegate.gateway.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Runs a workload until the JIT has finished with it: at least a minimum time, then until the
 * compilers have been idle for a quiet period (or a maximum time has passed). A fixed warm-up is
 * too short for a large network on a small machine, where the C2 compiler threads compete with the
 * measured run for the same cores and measurements taken meanwhile understate steady state.
 */
public final class Warmup {
  /** A unit of work to repeat. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }

  /** What one warm-up did. */
  public record Result(int runs, double seconds, boolean quiet) {}

  private final double minSeconds;
  private final double quietSeconds;
  private final double maxSeconds;
  private final LongSupplier clockNanos;
  private final LongSupplier compileMillis;

  /**
   * @param clockNanos a monotonic clock
   * @param compileMillis total JIT compilation time so far, or −1 when the JVM does not say
   */
  Warmup(
      double minSeconds,
      double quietSeconds,
      double maxSeconds,
      LongSupplier clockNanos,
      LongSupplier compileMillis) {
    if (!(minSeconds >= 0) || !(quietSeconds > 0) || !(maxSeconds >= minSeconds)) {
      throw new IllegalArgumentException(
          "warm-up needs 0 ≤ min ≤ max and a positive quiet period, has min="
              + minSeconds
              + " quiet="
              + quietSeconds
              + " max="
              + maxSeconds);
    }
    this.minSeconds = minSeconds;
    this.quietSeconds = quietSeconds;
    this.maxSeconds = maxSeconds;
    this.clockNanos = clockNanos;
    this.compileMillis = compileMillis;
  }

  /**
   * A warm-up on this JVM's clock and compilers: at least {@code minSeconds}, then until one second
   * passes with no compilation, at most {@code maxSeconds}.
   */
  public static Warmup of(double minSeconds, double maxSeconds) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean known = jit != null && jit.isCompilationTimeMonitoringSupported();
    return new Warmup(
        minSeconds,
        1.0,
        maxSeconds,
        System::nanoTime,
        known ? jit::getTotalCompilationTime : () -> -1);
  }

  /** Repeats {@code work} (at least three times) until warm; returns what it did. */
  public Result run(Work work) throws Exception {
    long start = clockNanos.getAsLong();
    long compiled = compileMillis.getAsLong();
    long quietSince = start;
    int runs = 0;
    while (true) {
      work.run();
      runs++;
      long now = clockNanos.getAsLong();
      long c = compileMillis.getAsLong();
      if (c != compiled) {
        compiled = c;
        quietSince = now;
      }
      double elapsed = (now - start) / 1e9;
      boolean quiet = c < 0 || (now - quietSince) / 1e9 >= quietSeconds;
      if (runs >= 3 && elapsed >= minSeconds && (quiet || elapsed >= maxSeconds)) {
        return new Result(runs, elapsed, quiet);
      }
    }
  }
}
