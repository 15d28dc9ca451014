package dev.fheml.training.job;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.compile.ConstantModelException;
import dev.fheml.training.compile.UnsafeModelException;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a user can change when the compiler refuses a trained model, in the training job's own
 * hyperparameter names and with their current values. The compiler refuses when a value's noise
 * (or its worst-case range) leaves no safe margin in its encoding: fewer weight bits shrink both the
 * accumulators and the noise each weight multiplies, fewer hidden units shrink the sum of noises a
 * later layer adds up, and the level-2 parameters make the bootstrap outputs quieter.
 */
final class CompilerHints {
  private CompilerHints() {}

  /**
   * The knobs to turn for a model trained with {@code config}, compiled with {@code options}, refused
   * with {@code refusal}.
   */
  static String forTraining(TrainingConfig config, CompileOptions options, UnsafeModelException refusal) {
    if (refusal instanceof ConstantModelException) {
      // Every hidden unit died: a smaller step keeps them alive, more of them gives more chances.
      return "to make it learn, retrain with a smaller learning_rate (now " + config.learningRate() + ")"
          + (config.isLinear() ? "" : ", or more hidden units (hidden, now "
          + config.hiddenSizes().toString().replace(" ", "") + ")");
    }
    QuantBits bits = config.bits();
    List<String> knobs = new ArrayList<>();
    if (!options.sanitize()) {
      knobs.add("sanitize true (the levelled output is the noisiest value)");
    }
    knobs.add("fewer weight_bits (now " + bits.weightBits() + ")");
    if (!config.isLinear()) {
      knobs.add("fewer hidden units (hidden, now " + config.hiddenSizes().toString().replace(" ", "") + ")");
      knobs.add("fewer activation_bits (now " + bits.activationBits() + ")");
    }
    knobs.add("fewer input_bits (now " + bits.inputBits() + ")");
    if (!options.parameters().name().equals(FheParameters.PBS_L2)) {
      knobs.add("parameters " + FheParameters.PBS_L2 + " (quieter bootstrap outputs)");
    }
    return "to make it fit, retrain with " + String.join(", or ", knobs);
  }
}
