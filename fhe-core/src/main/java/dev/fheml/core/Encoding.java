package dev.fheml.core;

/** Torus encodings: integers scaled by Δ on the 64-bit torus (arithmetic mod 2^64). */
public final class Encoding {
    private static final double TWO_64 = 0x1p64;

    private Encoding() {}

    /**
     * Nearest signed integer m with m·Δ ≈ phase (mod 2^64).
     *
     * @param delta a positive scale (every encoding in this engine is at most 2^62)
     */
    public static long decode(long phase, long delta) {
        requirePositive(delta);
        long q = Math.floorDiv(phase, delta);
        long r = phase - q * delta;
        return r >= delta - r ? q + 1 : q;
    }

    public static long[][] decode(long[][] phases, long delta) {
        long[][] out = new long[phases.length][];
        for (int q = 0; q < phases.length; q++) {
            out[q] = new long[phases[q].length];
            for (int j = 0; j < phases[q].length; j++) {
                out[q][j] = decode(phases[q][j], delta);
            }
        }
        return out;
    }

    private static void requirePositive(long delta) {
        if (delta <= 0) {
            throw new IllegalArgumentException("delta must be positive, got " + Long.toUnsignedString(delta));
        }
    }

    /** Signed error of a phase against an expected integer, as a fraction of the torus. */
    public static double torusError(long phase, long expected, long delta) {
        return (phase - expected * delta) / TWO_64;
    }
}
