package dev.fheml.training.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.Dataset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MajorityBaselineTest {
  private static Dataset labelled(int... labels) {
    return Dataset.of(new float[labels.length], labels, List.of("x"), List.of("a", "b", "c"));
  }

  @Test
  void theMostFrequentClassAndItsShare() {
    MajorityBaseline b = MajorityBaseline.of(labelled(0, 2, 2, 1, 2));
    assertEquals(new MajorityBaseline("c", 0.6), b);
    assertEquals("accuracy quantized 0.7000, majority-class baseline 0.6000 (always 'c')", b.describe(0.7));
    assertEquals("a", MajorityBaseline.of(labelled(1, 0)).className(), "ties: the first class");
  }

  /** The 36 % logistic regression of a 3-class table beat its 33 % baseline by too little to pass. */
  @Test
  void warnsWhenTheModelClosesLessThanAQuarterOfTheGap() {
    MajorityBaseline third = new MajorityBaseline("a", 1.0 / 3);
    assertTrue(third.warning(0.36).orElseThrow().startsWith("WARNING: accuracy 0.3600 is close to the 0.3333 of"
        + " always answering 'a'"));
    assertTrue(third.warning(0.49).isPresent(), "below 1/3 + (2/3)/4 = 0.5");
    assertEquals(Optional.empty(), third.warning(0.5));
    MajorityBaseline benign = new MajorityBaseline("benign", 0.63);
    assertTrue(benign.warning(0.5).isPresent(), "worse than the baseline");
    assertEquals(Optional.empty(), benign.warning(0.95));
  }
}
