package dev.fheml.core;

import dev.fheml.core.internal.Native;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A named parameter set. Its numbers are read from the native engine, which takes them from
 * tfhe-rs's vetted 128-bit constants ({@code PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128} and
 * {@code PARAM_MESSAGE_1_CARRY_1_KS_PBS_TUNIFORM_2M128}); the two 2_2 sets differ only in the
 * bootstrap decomposition (noise and speed, not security).
 */
public final class FheParameters {
    /** The bootstrap exactly as tfhe-rs ships it: level 1, base 2^23. Fastest, noisiest output. */
    public static final String PBS_L1 = "TUNIFORM_2M128_2_2_PBS_L1";
    /** Level-2 bootstrap: ~2x bootstrap time and key size, output noise ~2^-22 instead of ~2^-15. */
    public static final String PBS_L2 = "TUNIFORM_2M128_2_2_PBS_L2";
    /**
     * tfhe-rs's {@code PARAM_MESSAGE_1_CARRY_1_KS_PBS_TUNIFORM_2M128} as shipped: N = 512 with k = 4 (the
     * big key is 2048 long, as above), a cheaper bootstrap that reads a quarter of the positions, and
     * at most 512 inputs per ciphertext. For small models whose activation steps still fit.
     */
    public static final String PBS_1_1_L1 = "TUNIFORM_2M128_1_1_PBS_L1";

    private static final Map<String, FheParameters> CACHE = new ConcurrentHashMap<>();

    private final String name;
    private final int lweDimension;
    private final int glweDimension;
    private final int polynomialSize;
    private final int lweNoiseLog2;
    private final int glweNoiseLog2;
    private final int pbsBaseLog;
    private final int pbsLevel;
    private final int ksBaseLog;
    private final int ksLevel;
    private final int publicKeyDimension;
    private final int publicKeyNoiseLog2;

    private FheParameters(String name, long[] d) {
        this.name = name;
        this.lweDimension = (int) d[0];
        this.glweDimension = (int) d[1];
        this.polynomialSize = (int) d[2];
        this.lweNoiseLog2 = (int) d[3];
        this.glweNoiseLog2 = (int) d[4];
        this.pbsBaseLog = (int) d[5];
        this.pbsLevel = (int) d[6];
        this.ksBaseLog = (int) d[7];
        this.ksLevel = (int) d[8];
        this.publicKeyDimension = (int) d[9];
        this.publicKeyNoiseLog2 = (int) d[10];
    }

    /** @throws IllegalArgumentException for an unknown name (the message lists the known ones) */
    public static FheParameters byName(String name) {
        return CACHE.computeIfAbsent(name, n -> new FheParameters(n, Native.Params_describe(n)));
    }

    public static List<String> names() {
        return List.of(Native.Params_names());
    }

    public String name() {
        return name;
    }

    /** Dimension n of the small LWE key (bootstrap input). */
    public int lweDimension() {
        return lweDimension;
    }

    public int glweDimension() {
        return glweDimension;
    }

    /** Polynomial size N: also the longest vector one ciphertext holds and the bootstrap's positions. */
    public int polynomialSize() {
        return polynomialSize;
    }

    /** k·N: dimension of the big key under which dense and bootstrap outputs are encrypted. */
    public int bigLweDimension() {
        return glweDimension * polynomialSize;
    }

    /** log2 of the TUniform bound of the small-key (keyswitch key) noise. */
    public int lweNoiseLog2() {
        return lweNoiseLog2;
    }

    /** log2 of the TUniform bound of the GLWE noise (fresh inputs and bootstrap key). */
    public int glweNoiseLog2() {
        return glweNoiseLog2;
    }

    public int pbsBaseLog() {
        return pbsBaseLog;
    }

    public int pbsLevel() {
        return pbsLevel;
    }

    public int ksBaseLog() {
        return ksBaseLog;
    }

    public int ksLevel() {
        return ksLevel;
    }

    /**
     * Dimension of the client's compact public key (tfhe-rs's public-key parameters for the base
     * set: the big key, so {@link #bigLweDimension()}).
     */
    public int publicKeyDimension() {
        return publicKeyDimension;
    }

    /** log2 of the TUniform bound of the public-key encryption's mask and body noise. */
    public int publicKeyNoiseLog2() {
        return publicKeyNoiseLog2;
    }

    /**
     * Input scale for a lookup table over {@code domain} values (a power of two ≤ N): value v must
     * be encoded as v·2^63/domain so that it lies in the padded half torus.
     */
    public long inputDelta(int domain) {
        if (Integer.bitCount(domain) != 1 || domain < 2 || domain > polynomialSize) {
            throw new IllegalArgumentException(
                    "table domain " + domain + " must be a power of two in [2, " + polynomialSize + "]");
        }
        return Long.divideUnsigned(1L << 63, domain);
    }

    /** Sets are equal when their names are: a name fixes every number of the set. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FheParameters p && p.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + "{n=" + lweDimension + ", k=" + glweDimension + ", N=" + polynomialSize + ", pbs=2^"
                + pbsBaseLog + "x" + pbsLevel + ", ks=2^" + ksBaseLog + "x" + ksLevel + "}";
    }
}
