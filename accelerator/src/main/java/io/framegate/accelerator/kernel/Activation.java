package io.framegate.accelerator.kernel;

/**
 * Element-wise activation codes shared by every fused kernel epilogue, and their scalar definition.
 * Parameters {@code a} and {@code b} mean what each constant's comment says; unused parameters are
 * ignored. An unknown code behaves as identity (kernels cannot throw; the operator layer validates
 * codes before it launches a kernel).
 */
public final class Activation {
  private Activation() {}

  /** y = x (no epilogue). */
  public static final int NONE = 0;

  /** y = max(0, x). */
  public static final int RELU = 1;

  /** y = min(b, max(a, x)); a = min, b = max. */
  public static final int CLIP = 2;

  /** y = x ≥ 0 ? x : a·x; a = alpha. */
  public static final int LEAKY_RELU = 3;

  /** y = 1 / (1 + e^(−x)). */
  public static final int SIGMOID = 4;

  /** y = tanh(x). */
  public static final int TANH = 5;

  /** y = max(0, min(1, a·x + b)). */
  public static final int HARD_SIGMOID = 6;

  /** y = x·max(0, min(1, x/6 + 0.5)). */
  public static final int HARD_SWISH = 7;

  /** y = x > 0 ? x : a·(e^x − 1); a = alpha. */
  public static final int ELU = 8;

  /** y = b·(x > 0 ? x : a·(e^x − 1)); a = alpha, b = gamma. */
  public static final int SELU = 9;

  /** y = ln(1 + e^x). */
  public static final int SOFTPLUS = 10;

  /** y = x / (1 + |x|). */
  public static final int SOFTSIGN = 11;

  /** y = x > a ? x : 0; a = alpha. */
  public static final int THRESHOLDED_RELU = 12;

  /** y = e^x. */
  public static final int EXP = 13;

  /** y = −x. */
  public static final int NEG = 14;

  /** y = |x|. */
  public static final int ABS = 15;

  /** y = √x. */
  public static final int SQRT = 16;

  /** y = 1/x. */
  public static final int RECIPROCAL = 17;

  /** y = x. */
  public static final int IDENTITY = 18;

  /**
   * y = act(x; a, b). Transcendentals are evaluated in double and rounded once, so results stay
   * relatively accurate near zero (ONNX compares with a tiny absolute tolerance).
   */
  public static float apply(int act, float x, float a, float b) {
    if (act == RELU) {
      return Math.max(x, 0f);
    } else if (act == CLIP) {
      return Math.min(Math.max(x, a), b);
    } else if (act == LEAKY_RELU) {
      return x >= 0f ? x : a * x;
    } else if (act == SIGMOID) {
      return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    } else if (act == TANH) {
      return (float) Math.tanh(x);
    } else if (act == HARD_SIGMOID) {
      return Math.max(0f, Math.min(1f, a * x + b));
    } else if (act == HARD_SWISH) {
      return x * Math.max(0f, Math.min(1f, x / 6f + 0.5f));
    } else if (act == ELU) {
      return x > 0f ? x : (float) (a * (Math.exp(x) - 1.0));
    } else if (act == SELU) {
      return x > 0f ? b * x : (float) ((double) b * a * (Math.exp(x) - 1.0));
    } else if (act == SOFTPLUS) {
      // ln(1+e^x) ≈ x above 20 and ≈ e^x below −20 (to float precision); in between 1+e^x is
      // representable in double without losing the small term.
      if (x > 20f) {
        return x;
      } else if (x < -20f) {
        return (float) Math.exp(x);
      }
      return (float) Math.log(1.0 + Math.exp(x));
    } else if (act == SOFTSIGN) {
      return x / (1f + Math.abs(x));
    } else if (act == THRESHOLDED_RELU) {
      return x > a ? x : 0f;
    } else if (act == EXP) {
      return (float) Math.exp(x);
    } else if (act == NEG) {
      return -x;
    } else if (act == ABS) {
      return Math.abs(x);
    } else if (act == SQRT) {
      return (float) Math.sqrt(x);
    } else if (act == RECIPROCAL) {
      return 1f / x;
    }
    return x;
  }
}
