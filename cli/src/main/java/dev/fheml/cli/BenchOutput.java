package dev.fheml.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --json FILE} option every benchmark shares, and how a result record becomes JSON: its
 * components in declaration order, named in snake_case ({@code ksPbsMs} → {@code ks_pbs_ms}).
 */
final class BenchOutput {
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON result to FILE.")
    Path json;

    /** Prints the result on {@code out} and writes it to {@code --json} when given. */
    void emit(Object result, PrintStream out, PrintStream log) throws IOException {
        out.println(JSON.writeValueAsString(result));
        if (json != null) {
            JSON.writeValue(json.toFile(), result);
            log.println("wrote " + json);
        }
    }

    /** Rounded to 3 decimals for the JSON. */
    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
