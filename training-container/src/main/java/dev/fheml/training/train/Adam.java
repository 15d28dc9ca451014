package dev.fheml.training.train;

/**
 * Adam with decoupled weight decay (AdamW) for one parameter array. Deterministic: plain sequential
 * loops.
 */
final class Adam {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;

  private final float[] m;
  private final float[] v;
  private final double decay;

  /** State for a parameter array of {@code size} values, with weight decay {@code decay}. */
  Adam(int size, double decay) {
    this.m = new float[size];
    this.v = new float[size];
    this.decay = decay;
  }

  /** One update of {@code param} with gradient {@code grad} at step {@code t} (1-based). */
  void step(float[] param, float[] grad, double lr, long t) {
    double c1 = 1 - Math.pow(BETA1, t);
    double c2 = 1 - Math.pow(BETA2, t);
    float b1 = (float) BETA1;
    float b2 = (float) BETA2;
    float stepSize = (float) (lr / c1);
    float invC2 = (float) (1 / c2);
    float wd = (float) (lr * decay);
    float eps = (float) EPS;
    for (int k = 0; k < param.length; k++) {
      float g = grad[k];
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      param[k] -= stepSize * m[k] / ((float) Math.sqrt(v[k] * invC2) + eps) + wd * param[k];
    }
  }
}
