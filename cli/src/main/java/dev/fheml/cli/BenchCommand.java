package dev.fheml.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code fhe-ml bench engine|mnist|serve|soak|scale}: one run, one JSON object (targets are checked against these, never in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that report numbers as JSON (targets are checked against these, never in tests).",
        subcommands = {EngineBench.class, MnistBench.class, ServeBench.class, SoakBench.class, ScaleBench.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a benchmark: engine, mnist, serve, soak or scale");
    }
}
