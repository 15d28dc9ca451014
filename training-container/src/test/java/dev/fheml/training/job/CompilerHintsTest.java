package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.compile.ConstantModelException;
import dev.fheml.training.compile.UnsafeModelException;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.train.ModelKind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompilerHintsTest {
  private static final DataShape TABLE = new DataShape(1440, 300, 3, Optional.empty());

  @Test
  void namesTheHyperparametersWithTheirValues() {
    TrainingRequest r = TrainingRequest.builder().hidden(List.of(16)).inputBits(6).weightBits(6).build();
    assertEquals("to make it fit, retrain with fewer weight_bits (now 6), or fewer hidden units (hidden, now [16]),"
        + " or fewer activation_bits (now 4), or fewer input_bits (now 6)",
        CompilerHints.forTraining(r.trainingConfig(TABLE), r.compileOptions(), new UnsafeModelException("no scale")));
  }

  /** The 300-feature table whose hidden units all died at learning rate 0.01: the step size is the knob. */
  @Test
  void aModelWithOneAnswerIsToldToLearn() {
    TrainingRequest r = TrainingRequest.builder().learningRate(0.01).build();
    assertEquals("to make it learn, retrain with a smaller learning_rate (now 0.01), or more hidden units (hidden,"
        + " now [16])", CompilerHints.forTraining(r.trainingConfig(TABLE), r.compileOptions(),
        new ConstantModelException("every output is the same")));
  }

  @Test
  void logregHasNoHiddenKnobsAndOtherSettingsAddTheirs() {
    TrainingRequest r = TrainingRequest.builder().model(ModelKind.LOGREG).sanitize(false)
        .parameters(FheParameters.PBS_L1).build();
    assertEquals("to make it fit, retrain with sanitize true (the levelled output is the noisiest value), or fewer"
        + " weight_bits (now 4), or fewer input_bits (now 4), or parameters " + FheParameters.PBS_L2
        + " (quieter bootstrap outputs)", CompilerHints.forTraining(r.trainingConfig(TABLE), r.compileOptions(),
        new UnsafeModelException("the levelled output's noise")));
  }
}
