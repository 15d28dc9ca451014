package dev.fheml.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fheml.training.quant.QuantBits;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class QatNetworkTest {
  private static final int ROWS = 3;
  private static final int[] LABELS = {0, 2, 1};

  private static QatNetwork network(ParallelRange p) {
    QatNetwork net = new QatNetwork(new int[] {5, 4, 3}, new QuantBits(8, 8, 8), ROWS, p);
    net.initialize(new SplittableRandom(3));
    SplittableRandom rng = new SplittableRandom(4);
    for (int l = 0; l < 2; l++) {
      for (int j = 0; j < net.b[l].length; j++) {
        net.b[l][j] = (float) (0.5 + 0.1 * rng.nextGaussian());
      }
    }
    float[] in = net.inputBuffer();
    for (int k = 0; k < ROWS * 5; k++) {
      in[k] = (float) rng.nextDouble();
    }
    net.setQuantize(false);
    net.refreshEffectiveWeights();
    return net;
  }

  private static double loss(QatNetwork net) {
    net.refreshEffectiveWeights();
    net.forward(ROWS, null);
    return net.backward(ROWS, LABELS) / ROWS;
  }

  /** Backpropagation agrees with finite differences in float mode. */
  @Test
  void gradientsMatchFiniteDifferences() {
    try (ParallelRange p = new ParallelRange(1)) {
      QatNetwork net = network(p);
      for (int l = 0; l < 2; l++) {
        loss(net);
        float[][] params = {net.w[l], net.b[l]};
        float[][] grads = {net.gw[l].clone(), net.gb[l].clone()};
        for (int t = 0; t < 2; t++) {
          for (int k = 0; k < params[t].length; k++) {
            float saved = params[t][k];
            double h = 1e-2;
            params[t][k] = (float) (saved + h);
            double up = loss(net);
            params[t][k] = (float) (saved - h);
            double down = loss(net);
            params[t][k] = saved;
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, grads[t][k], 1e-4, "layer " + l + (t == 0 ? " weight " : " bias ") + k);
          }
        }
      }
    }
  }
}
