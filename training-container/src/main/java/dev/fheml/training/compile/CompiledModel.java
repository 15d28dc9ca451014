package dev.fheml.training.compile;

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
}
