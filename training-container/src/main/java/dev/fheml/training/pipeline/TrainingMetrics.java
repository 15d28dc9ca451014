package dev.fheml.training.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.train.ModelKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one training run measured: the content of {@code metrics.json}, whose keys are these
 * components' names in snake case ({@code trainRows} is {@code train_rows}). The numeric ones are
 * also printed as the job's metric lines, under the same names.
 *
 * @param name                   the run's name (the SageMaker job name)
 * @param model                  the architecture
 * @param hidden                 hidden layer widths (empty for logreg)
 * @param bits                   input, weight and activation bits, e.g. {@code x4/w4/a4}
 * @param epochs                 epochs trained
 * @param seed                   the seed
 * @param trainRows              rows trained on (validation rows included)
 * @param trainSeconds           training time
 * @param testRows               rows the accuracies were measured on
 * @param accuracyPlain          the float model's accuracy
 * @param accuracyQuantized      the compiled circuit's exact (noiseless) accuracy
 * @param accuracyNoisySimulated the circuit's accuracy with simulated bootstrap noise
 * @param accuracyMajorityClass  the accuracy of always answering the test rows' most frequent class: the
 *                               baseline a model must clearly beat to have learned anything
 * @param params                 the FHE parameter set
 * @param modelId                the compiled circuit's id
 * @param pbsCount               bootstraps per prediction
 * @param stages                 the compiler's report, one line per stage
 * @param pFailPerQuery          the compiler's bound on the probability of a catastrophic failure per
 *                               query (a table read in its mirrored half, a response decoded wrongly)
 * @param log2PFailPerQuery      the same, as a power of two (the figure the README quotes)
 * @param sanitized              whether responses end in a bootstrap and are re-randomized
 * @param parameterChoice        the parameter sets the compiler tried, with the chosen one and why each
 *                               other was not (one entry when the parameters were given)
 * @param importDetails          how an imported model was made ({@code import}); absent for a trained one
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingMetrics(String name, ModelKind model, List<Integer> hidden, String bits, int epochs, long seed,
    int trainRows, double trainSeconds, int testRows, double accuracyPlain, double accuracyQuantized,
    double accuracyNoisySimulated, double accuracyMajorityClass, String params, String modelId, int pbsCount,
    List<String> stages, double pFailPerQuery, @JsonProperty("log2_p_fail_per_query") double log2PFailPerQuery,
    boolean sanitized, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ParameterChoice.Candidate> parameterChoice,
    @JsonProperty("import") @JsonInclude(JsonInclude.Include.NON_NULL) ImportDetails importDetails) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the lists. */
  public TrainingMetrics {
    hidden = List.copyOf(hidden);
    stages = List.copyOf(stages);
    parameterChoice = parameterChoice == null ? List.of() : List.copyOf(parameterChoice);
  }

  /** A trained model's metrics (no import details). */
  public TrainingMetrics(String name, ModelKind model, List<Integer> hidden, String bits, int epochs, long seed,
      int trainRows, double trainSeconds, int testRows, double accuracyPlain, double accuracyQuantized,
      double accuracyNoisySimulated, double accuracyMajorityClass, String params, String modelId, int pbsCount,
      List<String> stages, double pFailPerQuery, double log2PFailPerQuery, boolean sanitized) {
    this(name, model, hidden, bits, epochs, seed, trainRows, trainSeconds, testRows, accuracyPlain, accuracyQuantized,
        accuracyNoisySimulated, accuracyMajorityClass, params, modelId, pbsCount, stages, pFailPerQuery,
        log2PFailPerQuery, sanitized, List.of(), null);
  }

  /** The JSON object's entries in order (numbers stay numbers): what metric lines are printed from. */
  public Map<String, Object> asJsonMap() {
    return JSON.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() {});
  }
}
