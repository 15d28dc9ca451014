package dev.fheml.cli;

import dev.fheml.core.ClientKey;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.ServerContext;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml bench scale}: the same images through local stacks of K = 1, 2, 4, ... inference
 * servers (instances of the endpoint's fleet, each with its own evaluation threads, slots and key
 * cache) behind the async invoker. Per K: throughput, scaling efficiency relative to the smallest K,
 * the bootstrap-bound throughput (min(K x threads, cores) / (bootstraps per image x one-thread
 * keyswitch + bootstrap time, measured in the same run)), each instance's deliveries and busy time,
 * queueing delay, and the lost/duplicated/wrong result counts that make the figure trustworthy.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Throughput through K local inference servers (K = --servers), with efficiency and the bound.")
final class ScaleBench implements Callable<Integer> {
    @Option(names = "--servers", split = ",", description = "Fleet sizes to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> servers = List.of(1, 2, 4);

    @Option(names = "--images", description = "Images scored per fleet size (default: ${DEFAULT-VALUE}).")
    int images = 24;

    @Option(names = "--model", description = "mlp (the demo's MNIST model, MNIST test images) or tiny (8 bootstraps)"
            + " (default: ${DEFAULT-VALUE}).")
    ServeBench.ServedModel model = ServeBench.ServedModel.mlp;

    @Option(names = "--threads-per-server", description = "Evaluation threads of each server: the instance size"
            + " (default: ${DEFAULT-VALUE}).")
    int threadsPerServer = 1;

    @Option(names = "--slots", description = "Requests one instance takes at a time (MaxConcurrentInvocationsPerInstance)"
            + " (default: ${DEFAULT-VALUE}).")
    int slots = 1;

    @Option(names = "--batch", description = "Images per request (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    @Mixin
    BenchOutput output = new BenchOutput();

    /** The JSON of one run. */
    record Result(String benchmark, String model, String modelId, int images, int batch, int threadsPerServer,
            int slotsPerServer, int bootstrapsPerImage, double ksPbsMs, List<ScaleRun.Result> runs, String note,
            MachineInfo machine) {}

    @Override
    public Integer call() throws Exception {
        if (servers.isEmpty() || servers.stream().anyMatch(k -> k < 1 || k > 64) || images < 1 || threadsPerServer < 1
                || slots < 1 || batch < 1 || batch > 4096) {
            throw new IllegalArgumentException("--servers takes 1..64 each, --images, --threads-per-server, --slots >= 1"
                    + " and --batch in [1, 4096]");
        }
        Result r = run(System.err);
        output.emit(r, System.out, System.err);
        boolean clean = r.runs().stream().allMatch(k -> k.lostResults() == 0 && k.duplicateDeliveries() == 0);
        return clean ? 0 : 1;
    }

    private Result run(PrintStream log) throws Exception {
        Path work = Files.createTempDirectory("fhe-ml-bench-scale-");
        try {
            Path modelDir = model == ServeBench.ServedModel.tiny ? TinyModel.write(work.resolve("model")).dir()
                    : MnistModels.ensure(List.of(64), null, 1, ParameterChoice.AUTO, false, log).directory();
            Circuit circuit = ModelArtifacts.readServer(modelDir.resolve(ArtifactNames.SERVER_ZIP)).circuit();
            ClientSpec spec = ModelArtifacts.readClient(modelDir.resolve(ArtifactNames.CLIENT_ZIP)).spec();
            List<double[]> inputs = inputs(circuit);
            CircuitSimulator sim = CircuitSimulator.of(circuit);
            int[] expected = inputs.stream().mapToInt(x -> spec.decode(sim.evaluate(spec.quantize(x))).classIndex())
                    .toArray();
            double ksPbs = ksPbsMillis(circuit.parameters(), log);
            int bootstraps = circuit.bootstrapCount();
            double perThread = bootstraps == 0 ? Double.POSITIVE_INFINITY : 1000.0 / (bootstraps * ksPbs);
            ScaleRun.Setup setup = new ScaleRun.Setup(modelDir, work.resolve("keys"), inputs, expected, batch, slots,
                    threadsPerServer, perThread);
            log.printf("bench scale: %s, %d images, K = %s, %d thread(s) and %d slot(s) per server, %d bootstraps per"
                    + " image, KS+PBS %.1f ms%n", model, images, servers, threadsPerServer, slots, bootstraps, ksPbs);
            List<ScaleRun.Result> runs = new ArrayList<>();
            for (int k : servers) {
                runs.add(ScaleRun.measure(setup, k, log));
            }
            ScaleRun.Result reference = runs.stream().min((a, b) -> Integer.compare(a.servers(), b.servers())).orElseThrow();
            double perServer = reference.imagesPerS() / reference.servers();
            List<ScaleRun.Result> withEfficiency = runs.stream().map(r -> ScaleRun.withEfficiency(r, perServer)).toList();
            int cores = Runtime.getRuntime().availableProcessors();
            return new Result("scale", model.name(), spec.modelId(), images, batch, threadsPerServer, slots, bootstraps,
                    BenchOutput.round(ksPbs), withEfficiency, "one JVM on " + cores + " cores holds the client, s3proxy,"
                    + " the invoker and every server: beyond " + cores + " evaluation threads in all, more servers"
                    + " cannot add throughput here; efficiency is relative to K = " + reference.servers(),
                    MachineInfo.describe());
        } finally {
            Folders.deleteQuietly(work);
        }
    }

    /** MNIST test images for the MLP, the circuit's own random samples for the tiny model. */
    private List<double[]> inputs(Circuit circuit) throws IOException {
        if (model == ServeBench.ServedModel.tiny) {
            return TinyModel.samples(circuit, images, 2026).stream().map(Sample::features).toList();
        }
        Dataset test = BundledData.locate().mnistTest();
        if (images > test.size()) {
            throw new IllegalArgumentException("--images must be at most " + test.size());
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            out.add(ModelPipeline.toDoubles(test.row(i)));
        }
        return out;
    }

    /** One keyswitch + bootstrap on one thread, with fresh keys of the model's parameters. */
    private static double ksPbsMillis(FheParameters p, PrintStream log) {
        Progress progress = new Progress(log);
        try (ClientKey client = ClientKey.generate(p);
                EvaluationKey eval = client.evaluationKey();
                ServerContext single = ServerContext.expand(eval, 1)) {
            return progress.step("KS+PBS x32 on 1 thread (the bound's unit)", () -> MnistBench.ksPbsMillis(client, single))
                    .value();
        }
    }
}
