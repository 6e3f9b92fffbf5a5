package io.framegate.accelerator.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ActivationTest {

  /** The parameters each activation is exercised with (a, b); unused ones are ignored. */
  static float paramA(int act) {
    return switch (act) {
      case Activation.CLIP -> -0.35f;
      case Activation.LEAKY_RELU -> 0.1f;
      case Activation.HARD_SIGMOID -> 0.2f;
      case Activation.ELU -> 0.9f;
      case Activation.SELU -> 1.6732632f;
      case Activation.THRESHOLDED_RELU -> 0.25f;
      default -> 0f;
    };
  }

  static float paramB(int act) {
    return switch (act) {
      case Activation.CLIP -> 0.45f;
      case Activation.HARD_SIGMOID -> 0.5f;
      case Activation.SELU -> 1.050701f;
      default -> 0f;
    };
  }

  /** Each activation's textbook definition, in double. */
  static double reference(int act, double x, double a, double b) {
    return switch (act) {
      case Activation.NONE, Activation.IDENTITY -> x;
      case Activation.RELU -> x > 0 ? x : 0;
      case Activation.CLIP -> x < a ? a : (x > b ? b : x);
      case Activation.LEAKY_RELU -> x >= 0 ? x : a * x;
      case Activation.SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
      case Activation.TANH -> Math.tanh(x);
      case Activation.HARD_SIGMOID -> Math.max(0, Math.min(1, a * x + b));
      case Activation.HARD_SWISH -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
      case Activation.ELU -> x > 0 ? x : a * Math.expm1(x);
      case Activation.SELU -> b * (x > 0 ? x : a * Math.expm1(x));
      case Activation.SOFTPLUS -> x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
      case Activation.SOFTSIGN -> x / (1 + Math.abs(x));
      case Activation.THRESHOLDED_RELU -> x > a ? x : 0;
      case Activation.EXP -> Math.exp(x);
      case Activation.NEG -> -x;
      case Activation.ABS -> Math.abs(x);
      case Activation.SQRT -> Math.sqrt(x);
      case Activation.RECIPROCAL -> 1 / x;
      default -> throw new IllegalArgumentException("no reference for activation " + act);
    };
  }

  /** Transcendental activations must be relatively accurate even where the result is tiny. */
  private static boolean transcendental(int act) {
    return act == Activation.SIGMOID
        || act == Activation.TANH
        || act == Activation.ELU
        || act == Activation.SELU
        || act == Activation.SOFTPLUS
        || act == Activation.EXP;
  }

  private static float[] probes() {
    Random random = new Random(20240611L);
    float[] special = {
      -80f, -50f, -20.5f, -20f, -19.5f, -3f, -2.5f, -1f, -1e-3f, -1e-6f, -0f, 0f, 1e-6f, 1e-3f,
      0.25f, 0.5f, 1f, 2.5f, 3f, 19.5f, 20f, 20.5f, 50f, 80f
    };
    float[] x = new float[special.length + 301];
    System.arraycopy(special, 0, x, 0, special.length);
    for (int i = special.length; i < x.length; i++) {
      x[i] = (random.nextFloat() * 2 - 1) * 12f;
    }
    return x;
  }

  @ParameterizedTest(name = "activation {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18})
  void matchesTextbookDefinition(int act) {
    float a = paramA(act);
    float b = paramB(act);
    for (float x : probes()) {
      float got = Activation.apply(act, x, a, b);
      double want = reference(act, x, a, b);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got), "act " + act + " at x=" + x + ": expected NaN, got " + got);
        continue;
      }
      if (Double.isInfinite(want) || Math.abs(want) > Float.MAX_VALUE) {
        assertEquals((float) want, got, "act " + act + " at x=" + x);
        continue;
      }
      // Float-arithmetic activations: the ONNX criterion. Transcendentals: a few ulps, relative.
      double tolerance =
          transcendental(act) ? 4e-7 * Math.abs(want) + 1e-38 : 1e-6 * Math.abs(want) + 1e-7;
      if (Math.abs(got - want) > tolerance) {
        fail("act " + act + " at x=" + x + ": expected " + want + ", got " + got);
      }
    }
  }

  @Test
  void softplusKeepsTheTinyTailInsteadOfRoundingToZero() {
    float got = Activation.apply(Activation.SOFTPLUS, -50f, 0f, 0f);
    assertTrue(got > 0f, "softplus(-50) must not underflow to 0");
    assertEquals(Math.exp(-50), got, 1e-6 * Math.exp(-50));
  }

  @Test
  void sigmoidOfLargeNegativeInputIsRelativelyAccurate() {
    float got = Activation.apply(Activation.SIGMOID, -40f, 0f, 0f);
    double want = 1.0 / (1.0 + Math.exp(40));
    assertEquals(want, got, 1e-6 * want);
  }

  @Test
  void unknownCodeIsIdentity() {
    assertEquals(-1.5f, Activation.apply(99, -1.5f, 0f, 0f));
  }
}
