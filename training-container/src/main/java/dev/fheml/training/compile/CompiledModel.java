package dev.fheml.training.compile;

import dev.fheml.core.NoiseModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.ClientSpec;
import java.util.List;

/** The compiler's output: what the server runs, what the client needs, and the noise report. */
public record CompiledModel(Circuit circuit, ClientSpec clientSpec, List<StageReport> report) {
  public CompiledModel {
    report = List.copyOf(report);
  }

  public String modelId() {
    return clientSpec.modelId();
  }

  /**
   * The predicted reading σ (positions) of each table-reading stage, in circuit order: the largest of
   * its neurons', from the report's lines in positions (the compiler writes one per range reduction and
   * per bootstrap, in the order the circuit runs them).
   */
  public double[] readingSigmas() {
    return report.stream().filter(r -> "positions".equals(r.unit())).mapToDouble(StageReport::sigma).toArray();
  }

  /** log2 of the probability of a catastrophic failure per query: the stages' sum (union bound). */
  public double log2PFailPerQuery() {
    double sum = Double.NEGATIVE_INFINITY;
    for (StageReport r : report) {
      sum = NoiseModel.log2Sum(sum, r.log2PFail());
    }
    return sum;
  }
}
