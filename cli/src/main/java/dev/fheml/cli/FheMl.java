package dev.fheml.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of the {@code fhe-ml} command. */
@Command(name = "fhe-ml", mixinStandardHelpOptions = true, version = "fhe-ml 0.1.0",
        description = "End-to-end encrypted ML inference with TFHE (tfhe-rs).",
        subcommands = {DemoCommand.class, TrainCommand.class, ImportCommand.class, KeygenCommand.class, PredictCommand.class, ServeCommand.class,
            SmokeTestCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class FheMl {
    public static void main(String[] args) {
        // The embedded server and S3 API log every request; only `serve` wants that by default.
        if (args.length == 0 || !"serve".equals(args[0])) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                    System.getenv().getOrDefault("FHEML_LOG_LEVEL", "warn"));
        }
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new FheMl());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A clear one-line error; the stack trace only when asked for.
            cmd.getErr().println("fhe-ml: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            if (System.getenv("FHEML_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }
}
