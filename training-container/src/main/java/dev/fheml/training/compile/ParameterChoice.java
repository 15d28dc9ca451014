package dev.fheml.training.compile;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.fheml.core.FheParameters;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.training.quant.IntegerEvaluator;
import dev.fheml.training.quant.QuantizedModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Chooses the cheapest vetted parameter set for one model: each candidate is compiled (so it meets the
 * failure bound and its margins, or is refused), its circuit is run on the calibration rows with each
 * stage's predicted reading noise, and the set with the fewest estimated milliseconds per query
 * (bootstraps × that set's measured keyswitch + bootstrap time) is kept among those whose simulated
 * agreement with the quantized model is within {@link #AGREEMENT_TOLERANCE} of the best candidate's: a
 * cheaper set must not make the answers noisier.
 *
 * <p>The costs are {@code fhe-ml bench engine --params NAME} on one thread, measured one after the
 * other in one session (2026-12-03, 2 vCPU AMD EPYC, quiet; this shared VM's single-bootstrap times
 * vary by ±15 % between sessions, their ratios much less); only their order matters here. When
 * candidates cost the same (a levelled circuit has no bootstrap), the earlier in {@link #PREFERENCE}
 * wins, so such models keep the default set and their ids.
 */
public final class ParameterChoice {
  /** The hyperparameter value that asks for the choice. */
  public static final String AUTO = "auto";
  /** Agreement a cheaper set may lose against the best candidate's (a quarter of a point). */
  public static final double AGREEMENT_TOLERANCE = 0.0025;
  /** Calibration rows the agreement is simulated on, at most. */
  public static final int MAX_ROWS = 5000;
  /**
   * Noisy evaluations per candidate, at least: few rows are each drawn several times, so the estimate's
   * own noise (σ ≈ 0.0007 at 0.5 % disagreement) stays well under {@link #AGREEMENT_TOLERANCE}.
   */
  static final int MIN_EVALUATIONS = 10_000;
  /** Keyswitch + bootstrap on one thread, ms, per set (bench engine; see the class comment). */
  static final Map<String, Double> KS_PBS_MS = Map.of(
      FheParameters.PBS_1_1_L1, 19.3,
      FheParameters.PBS_L1, 25.3,
      FheParameters.PBS_L2, 39.7);
  /** Tie-break between equally cheap sets: the default first. */
  static final List<String> PREFERENCE = List.of(FheParameters.PBS_L2, FheParameters.PBS_L1,
      FheParameters.PBS_1_1_L1);

  private ParameterChoice() {}

  /**
   * One candidate's outcome (metrics.json's {@code parameter_choice}).
   *
   * @param params              the set
   * @param bootstraps          bootstraps per query (null when refused)
   * @param estimatedMs         bootstraps × the set's measured one-thread time (null when refused)
   * @param simulatedAgreement  agreement of the noisy simulation with the exact circuit (null when refused)
   * @param log2PFailPerQuery   the compiler's failure bound for this set (null when refused)
   * @param verdict             chosen / refused / noisier / slower
   * @param reason              why, in a sentence
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Candidate(String params, Integer bootstraps, Double estimatedMs, Double simulatedAgreement,
      @JsonProperty("log2_p_fail_per_query") Double log2PFailPerQuery, String verdict, String reason) {
    @Override
    public String toString() {
      return bootstraps == null ? String.format("%-28s %-8s %s", params, verdict, reason)
          : String.format("%-28s %-8s %4d bootstraps, ~%.0f ms/query (1 thread), simulated agreement %.4f,"
              + " p_fail 2^%.1f: %s", params, verdict, bootstraps, estimatedMs, simulatedAgreement,
              log2PFailPerQuery, reason);
    }
  }

  /** The chosen compilation and every candidate's outcome, in the order tried. */
  public record Result(CompiledModel compiled, List<Candidate> candidates) {
    public Result {
      candidates = List.copyOf(candidates);
    }
  }

  /** The candidate sets, cheapest per bootstrap first. */
  static List<FheParameters> candidates() {
    List<FheParameters> sets = new ArrayList<>();
    for (String name : FheParameters.names()) {
      if (!KS_PBS_MS.containsKey(name)) {
        throw new IllegalStateException("no measured bootstrap time for parameter set " + name);
      }
      sets.add(FheParameters.byName(name));
    }
    sets.sort(Comparator.comparingDouble((FheParameters p) -> KS_PBS_MS.get(p.name()))
        .thenComparingInt(p -> PREFERENCE.indexOf(p.name())));
    return sets;
  }

  /**
   * Compiles {@code model} for every candidate and keeps the cheapest that is as precise as the best.
   *
   * @param rows raw calibration rows (what a client would send, before quantization)
   * @throws UnsafeModelException when no candidate compiles (the message names each one's reason)
   */
  public static Result choose(QuantizedModel model, CompileOptions options, List<double[]> rows, long seed,
      PrintStream log) {
    List<double[]> sample = rows.subList(0, Math.min(MAX_ROWS, rows.size()));
    List<Outcome> outcomes = new ArrayList<>();
    for (FheParameters set : candidates()) {
      outcomes.add(tryOne(model, options.withParameters(set), sample, seed));
    }
    double best = outcomes.stream().filter(o -> o.compiled != null).mapToDouble(o -> o.agreement).max()
        .orElseThrow(() -> new UnsafeModelException("no parameter set can run this model: " + String.join("; ",
            outcomes.stream().map(o -> o.set.name() + ": " + o.refusal).toList())));
    Outcome chosen = outcomes.stream().filter(o -> o.compiled != null && o.agreement >= best - AGREEMENT_TOLERANCE)
        .min(Comparator.comparingDouble((Outcome o) -> o.estimatedMs)
            .thenComparingInt(o -> PREFERENCE.indexOf(o.set.name())))
        .orElseThrow();
    List<Candidate> report = new ArrayList<>();
    for (Outcome o : outcomes) {
      report.add(o.describe(chosen, best));
    }
    log.printf("parameter sets (the cheapest within %.4f of the best simulated agreement; %d rows, %d noisy"
        + " evaluations each):%n", AGREEMENT_TOLERANCE, sample.size(), Math.max(sample.size(), MIN_EVALUATIONS));
    report.forEach(c -> log.println("  " + c));
    return new Result(chosen.compiled, report);
  }

  /** A fixed set, compiled as asked: its report has that one candidate. */
  public static Result fixed(QuantizedModel model, CompileOptions options) {
    CompiledModel compiled = new FheCompiler(options).compile(model);
    String name = options.parameters().name();
    return new Result(compiled, List.of(new Candidate(name, compiled.circuit().bootstrapCount(),
        estimatedMs(name, compiled), null, compiled.log2PFailPerQuery(), "chosen", "given by the parameters setting")));
  }

  private static double estimatedMs(String name, CompiledModel compiled) {
    return compiled.circuit().bootstrapCount() * KS_PBS_MS.getOrDefault(name, Double.NaN);
  }

  private static Outcome tryOne(QuantizedModel model, CompileOptions options, List<double[]> rows, long seed) {
    FheParameters set = options.parameters();
    int inputs = model.input().numFeatures();
    if (inputs > set.polynomialSize()) {
      return Outcome.refused(set, inputs + " inputs do not fit one ciphertext of N = " + set.polynomialSize());
    }
    CompiledModel compiled;
    try {
      compiled = new FheCompiler(options).compile(model);
    } catch (UnsafeModelException e) {
      return Outcome.refused(set, e.getMessage());
    }
    return new Outcome(set, compiled, null, simulatedAgreement(compiled, model, options, rows, seed), estimatedMs(set.name(), compiled));
  }

  /**
   * Fraction of noisy evaluations whose class equals the quantized model's own (exact integer) class:
   * every row is drawn ⌈{@link #MIN_EVALUATIONS} / rows⌉ times with fresh noise. Against the model, not
   * the candidate's exact circuit, so what a set's circuit rounds away (coarser sanitized outputs) counts
   * as well as its noise.
   */
  static double simulatedAgreement(CompiledModel compiled, QuantizedModel model, CompileOptions options,
      List<double[]> rows, long seed) {
    if (rows.isEmpty()) {
      return 1;
    }
    CircuitSimulator sim = CircuitSimulator.of(compiled.circuit());
    IntegerEvaluator reference = new IntegerEvaluator(model, options.rangeMargin(), options.sanitize());
    ClientSpec spec = compiled.clientSpec();
    double[] sigmas = compiled.readingSigmas();
    Random noise = new Random(seed);
    int draws = (MIN_EVALUATIONS + rows.size() - 1) / rows.size();
    long same = 0;
    for (double[] row : rows) {
      long[] x = spec.quantize(row);
      int expected = reference.predict(reference.logits(Arrays.stream(x).mapToInt(Math::toIntExact).toArray()));
      for (int d = 0; d < draws; d++) {
        same += spec.decode(sim.evaluate(x, noise, sigmas)).classIndex() == expected ? 1 : 0;
      }
    }
    return (double) same / ((long) draws * rows.size());
  }

  private record Outcome(FheParameters set, CompiledModel compiled, String refusal, double agreement,
      double estimatedMs) {
    static Outcome refused(FheParameters set, String why) {
      return new Outcome(set, null, why, Double.NaN, Double.NaN);
    }

    Candidate describe(Outcome chosen, double best) {
      if (compiled == null) {
        return new Candidate(set.name(), null, null, null, null, "refused", refusal);
      }
      String verdict;
      String reason;
      if (this == chosen) {
        verdict = "chosen";
        reason = "the cheapest within the agreement tolerance";
      } else if (agreement < best - AGREEMENT_TOLERANCE) {
        verdict = "noisier";
        reason = String.format("simulated agreement %.4f is more than %.4f below the best, %.4f", agreement,
            AGREEMENT_TOLERANCE, best);
      } else {
        verdict = "slower";
        reason = String.format("~%.0f ms per query against %.0f ms", estimatedMs, chosen.estimatedMs);
      }
      return new Candidate(set.name(), compiled.circuit().bootstrapCount(), round(estimatedMs), round(agreement),
          round(compiled.log2PFailPerQuery()), verdict, reason);
    }

    private static double round(double v) {
      return Math.round(v * 1e4) / 1e4;
    }
  }
}
