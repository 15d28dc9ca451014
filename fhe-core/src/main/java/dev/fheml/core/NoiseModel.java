package dev.fheml.core;

/**
 * Predicted noise after each engine operation, from the parameters alone. Variances are in
 * torus units squared (the torus is [0, 1)); positions are the bootstrap's 2N-point grid.
 *
 * <p>Formulas: TUniform(b) has variance (2^(2b+1)+1)/6 (integers, over 2^128); a dense layer
 * multiplies variance by the squared L2 norm of the weight row; the keyswitch adds the key's noise
 * times its digits (n_big·l·(B²+2)/12·σ²_ksk) plus the truncation of the decomposition
 * (n_big/(24·B^2l)); the centred modulus switch to 2N leaves (n/4 + 1)/12 positions² because the
 * known half of the rounding error is removed; the bootstrap output is the blind rotation's
 * n·l·(k+1)·N·(B²+2)/12·σ²_bsk plus n·(1 + kN/2)/(24·B^2l) from truncation. Tests measure each
 * against real decryptions.
 */
public final class NoiseModel {
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
        return keyNoise + truncation;
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
