package dev.fheml.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Keys are expensive (seconds); tests share one set per parameter set and JVM, on one pool. */
public final class TestKeys {
    public record Set(FheParameters parameters, ClientKey client, EvaluationKey evaluation, ServerContext server) {}

    private static final Map<String, Set> SETS = new ConcurrentHashMap<>();
    /** Never closed: it lives as long as the test JVM, like a server's. */
    private static final EvaluationPool POOL = EvaluationPool.create(0);

    private TestKeys() {}

    public static Set get(String name) {
        return SETS.computeIfAbsent(name, n -> {
            FheParameters p = FheParameters.byName(n);
            ClientKey client = ClientKey.generate(p);
            EvaluationKey evaluation = client.evaluationKey();
            return new Set(p, client, evaluation, ServerContext.expand(evaluation, POOL));
        });
    }

    public static Set l1() {
        return get(FheParameters.PBS_L1);
    }

    public static Set l2() {
        return get(FheParameters.PBS_L2);
    }

    /** An identity layer: puts each input value into its own LWE ciphertext. */
    public static DenseLayer identity(int width, long delta) {
        long[] w = new long[width * width];
        for (int j = 0; j < width; j++) {
            w[j * width + j] = 1;
        }
        return new DenseLayer(width, width, w, new long[width], delta);
    }
}
