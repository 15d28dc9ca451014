package dev.fheml.core;

/**
 * Predicted noise after each engine operation, from the parameters alone, and the Gaussian tail
 * probabilities the compiler turns margins into. Variances are in torus units squared (the torus
 * is [0, 1)); positions are the bootstrap's 2N-point grid.
 *
 * <p>Formulas: TUniform(b) has variance (2^(2b+1)+1)/6 (integers, over 2^128); a dense layer
 * multiplies variance by the squared L2 norm of the weight row; the keyswitch adds the key's noise
 * times its digits (n_big·l·(B²+2)/12·σ²_ksk) plus the truncation of the decomposition
 * (n_big/(24·B^2l)); the centred modulus switch to 2N leaves (n/4 + 1)/12 positions² because the
 * known half of the rounding error is removed; the bootstrap output is the blind rotation's
 * n·l·(k+1)·N·(B²+2)/12·σ²_bsk, plus n·(1 + kN/2)/(24·B^2l) from truncation, plus the error of the
 * 64-bit floating-point FFT in its external products, which tfhe-rs models (fitted to its FFT, the
 * one we call) as n·0.00705·2^(2·max(0, 64 − 53) + 2·log2 B − 128)·l^1.01827·k^1.22003·N^2.22003·
 * (k+1)^1.01827 (tfhe-rs 1.8 {@code core_crypto/commons/noise_formulas/lwe_programmable_bootstrap.rs},
 * the TUniform PBS variance with a 53-bit mantissa); a public-key encryption of zero adds
 * (3n_pk/4 + 1)·σ²_pk ({@link #publicKeyEncryptionVariance()}). Tests measure each against real
 * decryptions.
 */
public final class NoiseModel {
    /** Mantissa bits of the f64 FFT used by the blind rotation. */
    private static final int FFT_MANTISSA_BITS = 53;

    private final FheParameters p;

    public NoiseModel(FheParameters parameters) {
        this.p = parameters;
    }

    static double tuniformVariance(int boundLog2) {
        return (Math.pow(2, 2.0 * boundLog2 + 1) + 1) / 6 / 0x1p128;
    }

    /** A freshly encrypted input value. */
    public double freshVariance() {
        return tuniformVariance(p.glweNoiseLog2());
    }

    /**
     * After a dense layer with one row of squared norm Σw² (LWE inputs), or, for the input dense
     * layer on a GLWE, the squared norm of the whole weight polynomial the row was packed into
     * ({@link #packedNormsSquared}).
     */
    public static double denseVariance(double inputVariance, double rowNormSquared) {
        return inputVariance * rowNormSquared;
    }

    /**
     * The factor by which the input dense layer multiplies a fresh GLWE's noise, per output. The
     * engine packs ⌊N/inputs⌋ rows into one weight polynomial; every coefficient of the GLWE's noise
     * polynomial (also those past the input's length, which carry no value) meets exactly one
     * coefficient of that polynomial in each output, so an output's noise sums the squared norms of
     * all rows of its product, not only its own.
     *
     * @param rowNormsSquared Σw² of each row (with any per-row multiplier applied)
     */
    public double[] packedNormsSquared(double[] rowNormsSquared, int inputs) {
        if (inputs < 1 || inputs > p.polynomialSize()) {
            throw new IllegalArgumentException("inputs must be in [1, N], got " + inputs);
        }
        int perProduct = p.polynomialSize() / inputs;
        double[] out = new double[rowNormsSquared.length];
        for (int first = 0; first < out.length; first += perProduct) {
            int end = Math.min(out.length, first + perProduct);
            double sum = 0;
            for (int j = first; j < end; j++) {
                sum += rowNormsSquared[j];
            }
            for (int j = first; j < end; j++) {
                out[j] = sum;
            }
        }
        return out;
    }

    /** Added by the keyswitch from the big to the small key. */
    public double keyswitchVariance() {
        double base = Math.pow(2, p.ksBaseLog());
        int level = p.ksLevel();
        double keyNoise = p.bigLweDimension() * level * (base * base + 2) / 12 * tuniformVariance(p.lweNoiseLog2());
        double truncation = p.bigLweDimension() / (24 * Math.pow(base, 2.0 * level));
        return keyNoise + truncation;
    }

    /** Added by the centred modulus switch to 2N, in positions squared. */
    public double modulusSwitchVariancePositions() {
        return (p.lweDimension() / 4.0 + 1) / 12;
    }

    /**
     * Standard deviation, in positions, of where the bootstrap reads a value whose ciphertext has
     * {@code inputVariance}: the quantity a lookup table's boxes must absorb.
     */
    public double readingSigmaPositions(double inputVariance) {
        double twoN = 2.0 * p.polynomialSize();
        return Math.sqrt((inputVariance + keyswitchVariance()) * twoN * twoN + modulusSwitchVariancePositions());
    }

    /** Variance of a bootstrap's output (independent of its input's noise). */
    public double bootstrapOutputVariance() {
        double base = Math.pow(2, p.pbsBaseLog());
        int level = p.pbsLevel();
        double k = p.glweDimension();
        double n = p.polynomialSize();
        double keyNoise = p.lweDimension() * level * (k + 1) * n * (base * base + 2) / 12
                * tuniformVariance(p.glweNoiseLog2());
        double truncation = p.lweDimension() * (1 + k * n / 2) / (24 * Math.pow(base, 2.0 * level));
        return keyNoise + truncation + fftVariance();
    }

    /** The FFT's share of {@link #bootstrapOutputVariance()} (see the class comment for its source). */
    public double fftVariance() {
        double k = p.glweDimension();
        double exponent = 2.0 * Math.max(0, 64 - FFT_MANTISSA_BITS) + 2.0 * p.pbsBaseLog() - 128;
        return p.lweDimension() * 0.00705 * Math.pow(2, exponent) * Math.pow(p.pbsLevel(), 1.01827)
                * Math.pow(k, 1.22003) * Math.pow(p.polynomialSize(), 2.22003) * Math.pow(k + 1, 1.01827);
    }

    /**
     * Variance added by {@link ServerContext#rerandomize}: a public-key encryption of zero. Its
     * error is e2 − ⟨e1, s⟩ + ⟨e_pk, r⟩ (fresh body noise e2, fresh mask noise e1, the key's fixed
     * noise e_pk, a fresh uniform binary r): n/2·σ² from the binary key s, σ² from e2, and, since
     * e_pk is fixed for a key, Var⟨e_pk, r⟩ = Σe_pk²·Var(r_i) = n/4·σ² (its mean Σe_pk/2 is a
     * constant offset of about √n/2·σ for that key, not noise). Total (3n/4 + 1)·σ²_pk.
     */
    public double publicKeyEncryptionVariance() {
        return (0.75 * p.publicKeyDimension() + 1) * tuniformVariance(p.publicKeyNoiseLog2());
    }

    /**
     * log2 of P(|Z| > t) for a standard Gaussian Z, accurate far into the tail (2^-1000 and
     * beyond): a series for erfc near 0, its continued fraction further out.
     */
    public static double log2Tail(double t) {
        if (!(t >= 0)) {
            throw new IllegalArgumentException("a tail starts at a non-negative point: " + t);
        }
        double x = t / Math.sqrt(2);
        if (x <= 2) {
            double term = x;
            double sum = x;
            for (int k = 1; k < 60; k++) {
                term *= -x * x / k;
                sum += term / (2 * k + 1);
            }
            return Math.log(1 - 2 / Math.sqrt(Math.PI) * sum) / Math.log(2);
        }
        double fraction = x;
        for (int k = 80; k >= 1; k--) {
            fraction = x + (k / 2.0) / fraction;
        }
        return (-x * x - 0.5 * Math.log(Math.PI) - Math.log(fraction)) / Math.log(2);
    }

    /** The smallest t with P(|Z| > t) ≤ 2^log2Probability. */
    public static double sigmasForTail(double log2Probability) {
        if (!(log2Probability < 0)) {
            throw new IllegalArgumentException("a probability below 1 is needed, got 2^" + log2Probability);
        }
        double lo = 0;
        double hi = 1;
        while (log2Tail(hi) > log2Probability) {
            hi *= 2;
        }
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (log2Tail(mid) > log2Probability) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** log2(2^a + 2^b), for adding probabilities kept as logarithms. */
    public static double log2Sum(double a, double b) {
        double hi = Math.max(a, b);
        double lo = Math.min(a, b);
        return hi == Double.NEGATIVE_INFINITY ? hi : hi + Math.log1p(Math.pow(2, lo - hi)) / Math.log(2);
    }

    /** Variance added by {@link ServerContext#compact(LweBatch, boolean, int)}. */
    public double compactVariance(boolean keyswitch, int bits) {
        int dimension = keyswitch ? p.lweDimension() : p.bigLweDimension();
        double rounding = (dimension / 2.0 + 1) / 12 / Math.pow(4, bits);
        return rounding + (keyswitch ? keyswitchVariance() : 0);
    }

    /** log2 of a standard deviation, for reports. */
    public static double log2Sigma(double variance) {
        return 0.5 * Math.log(variance) / Math.log(2);
    }
}
