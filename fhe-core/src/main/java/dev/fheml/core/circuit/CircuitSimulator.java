package dev.fheml.core.circuit;

import dev.fheml.core.Encoding;
import dev.fheml.core.LookupTables;
import java.util.Random;

/**
 * Plaintext-integer evaluation of a {@link Circuit}: bit for bit what the encrypted evaluation
 * decrypts to, torus wrap-around and saturating tables included ({@link LookupTables#readAt}),
 * except the bootstrap's reading noise, which can be simulated with a Gaussian of
 * {@code sigmaPositions} (on the N-position grid) for accuracy estimates. Re-randomization changes
 * ciphertexts, not values, so it has nothing to simulate.
 */
public final class CircuitSimulator {
    private final Circuit circuit;
    private final int polynomialSize;
    private final int readingStages;

    private CircuitSimulator(Circuit circuit) {
        this.circuit = circuit;
        this.polynomialSize = circuit.parameters().polynomialSize();
        this.readingStages = (int) circuit.stages().stream()
                .filter(s -> s instanceof Stage.Reduce || s instanceof Stage.Bootstrap).count();
    }

    /** The simulator of {@code circuit}, on its parameter set's position grid (N). */
    public static CircuitSimulator of(Circuit circuit) {
        return new CircuitSimulator(circuit);
    }

    /** Noiseless: the exact integers FHE computes when no bootstrap misreads. */
    public long[] evaluate(long[] input) {
        return evaluate(input, null, 0);
    }

    /** With simulated bootstrap reading noise (σ in positions), drawn from {@code random}. */
    public long[] evaluate(long[] input, Random random, double sigmaPositions) {
        double[] sigmas = new double[readingStages];
        java.util.Arrays.fill(sigmas, sigmaPositions);
        return evaluate(input, random, sigmas);
    }

    /** How many stages read a table (range reductions and bootstraps), in circuit order. */
    public int readingStages() {
        return readingStages;
    }

    /**
     * With simulated reading noise of its own σ (in positions) for each table-reading stage, in circuit
     * order ({@link #readingStages()} of them): the compiler predicts a different σ per stage.
     */
    public long[] evaluate(long[] input, Random random, double[] sigmaPerReadingStage) {
        if (sigmaPerReadingStage.length != readingStages) {
            throw new IllegalArgumentException(sigmaPerReadingStage.length + " reading sigmas for " + readingStages
                    + " reading stages");
        }
        if (input.length != circuit.inputLength()) {
            throw new IllegalArgumentException("input has " + input.length + " values, expected " + circuit.inputLength());
        }
        long[] values = input.clone();
        long delta = circuit.inputDelta();
        int read = 0;
        for (Stage stage : circuit.stages()) {
            if (stage instanceof Stage.InputDense d) {
                values = d.layer().apply(values);
            } else if (stage instanceof Stage.LevelledDense d) {
                values = d.layer().apply(values);
            } else if (stage instanceof Stage.Reduce r) {
                int n = r.tables().count();
                long[] corrections = bootstrap(java.util.Arrays.copyOf(values, n), delta, r.tables(), random,
                        sigmaPerReadingStage[read++]);
                long[] fine = new long[n];
                for (int j = 0; j < n; j++) {
                    fine[j] = values[n + j] - corrections[j]; // wraps like the torus (deltaOut = delta)
                }
                values = fine;
            } else if (stage instanceof Stage.Bootstrap b) {
                values = bootstrap(values, delta, b.tables(), random, sigmaPerReadingStage[read++]);
                delta = b.tables().deltaOut();
            }
        }
        long[] out = new long[values.length];
        for (int j = 0; j < values.length; j++) {
            out[j] = Encoding.decode(values[j] * delta, delta); // the torus wraps like the ciphertext does
        }
        return out;
    }

    private long[] bootstrap(long[] values, long delta, LookupTables tables, Random random, double sigma) {
        int domain = tables.domain();
        int box = polynomialSize / domain;
        long[] out = new long[values.length];
        for (int j = 0; j < values.length; j++) {
            long phase = values[j] * delta; // wrapping, as on the 64-bit torus
            // Position on the 2N grid, as the modulus switch sees it.
            double position = Math.scalb((double) phase, -(64 - Integer.numberOfTrailingZeros(2 * polynomialSize)));
            if (random != null) {
                position += sigma * random.nextGaussian();
            }
            out[j] = tables.readAt(j, Math.round(position / box));
        }
        return out;
    }
}
