package io.framegate.pipeline.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * How a dispatcher watches its device.
 *
 * <p>Re-probing: a device that failed serves nothing for {@code reprobeAfter}; then the next batch
 * tries it again. Each failed probe doubles the wait, up to {@code reprobeMax}; a probe that
 * succeeds puts the device back in service.
 *
 * <p>Shadow verification: one in {@code shadowEvery} batches the device ran is run again on {@code
 * reference} plans, on a thread of its own so that the device does not wait, and compared output by
 * output: max |device − reference| ÷ max |reference|. Above {@code tolerance} the device is taken
 * out of service as if it had failed. A sample due while the previous check still runs is skipped.
 *
 * @param shadowEvery 0 for no shadow verification
 * @param reference the plans to compare with; required when {@code shadowEvery > 0}
 */
public record Supervision(
    Duration reprobeAfter,
    Duration reprobeMax,
    int shadowEvery,
    PlanFactory reference,
    double tolerance) {

  /** Re-probe after 30 s, backing off to 10 min; no shadow verification. */
  public static final Supervision DEFAULT =
      new Supervision(Duration.ofSeconds(30), Duration.ofMinutes(10), 0, null, 1e-4);

  public Supervision {
    Objects.requireNonNull(reprobeAfter, "reprobeAfter");
    Objects.requireNonNull(reprobeMax, "reprobeMax");
    if (reprobeAfter.isNegative() || reprobeMax.compareTo(reprobeAfter) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= reprobeAfter <= reprobeMax, got " + reprobeAfter + " and " + reprobeMax);
    }
    if (shadowEvery < 0) {
      throw new IllegalArgumentException("shadowEvery must be 0 (off) or more, is " + shadowEvery);
    }
    if (shadowEvery > 0 && reference == null) {
      throw new IllegalArgumentException("shadow verification needs reference plans");
    }
    if (!(tolerance > 0)) {
      throw new IllegalArgumentException("tolerance must be positive, is " + tolerance);
    }
  }

  public Supervision withReprobe(Duration after, Duration max) {
    return new Supervision(after, max, shadowEvery, reference, tolerance);
  }

  public Supervision withShadow(int every, PlanFactory referencePlans, double maxRelativeError) {
    return new Supervision(reprobeAfter, reprobeMax, every, referencePlans, maxRelativeError);
  }
}
