package dev.fheml.cli;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.train.ModelKind;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Option;

/** Which MNIST model the demo and {@code bench mnist} train (or reuse from the cache). */
final class MnistModelOptions {
    @Option(names = "--model", converter = ModelKindConverter.class,
            description = "mlp or logreg (default: ${DEFAULT-VALUE}).")
    ModelKind model = ModelKind.MLP;

    @Option(names = "--hidden", split = ",", description = "Hidden layer widths of the MLP (default: 64).")
    List<Integer> hidden = List.of(64);

    @Option(names = "--epochs", description = "Training epochs (default: 100 for the MLP, 30 for logreg).")
    Integer epochs;

    @Option(names = "--seed", description = "Training seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--params", description = "Parameter set, or auto: the compiler chooses the cheapest that keeps the model's precision (default: ${DEFAULT-VALUE}).")
    String params = ParameterChoice.AUTO;

    @Option(names = "--no-sanitize", description = "Compile without the sanitizing output bootstraps and"
            + " re-randomization (responses then leak the weights' algebra; see docs/security.md).")
    boolean noSanitize;

    /** Hidden widths: none for logistic regression. */
    List<Integer> widths() {
        return model == ModelKind.LOGREG ? List.of() : hidden;
    }

    MnistModels.Model ensure(boolean retrain, PrintStream log) throws IOException {
        return MnistModels.ensure(widths(), epochs, seed, params, !noSanitize, retrain, log);
    }

    /** Accepts the wire names in any case and names them when refusing. */
    static final class ModelKindConverter implements picocli.CommandLine.ITypeConverter<ModelKind> {
        @Override
        public ModelKind convert(String value) {
            try {
                return ModelKind.fromWireName(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("--model must be mlp or logreg, got '" + value
                        + "'");
            }
        }
    }
}
