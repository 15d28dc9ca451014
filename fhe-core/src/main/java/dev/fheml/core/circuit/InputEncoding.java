package dev.fheml.core.circuit;

import java.util.Arrays;

/**
 * How the client turns raw features into the integers it encrypts: per feature
 * u = clamp((raw − min)/(max − min), 0, 1) (0 for a constant feature), then
 * x = round(u·(2^bits − 1)), half up. Identical to the training side's quantizer.
 */
public record InputEncoding(double[] min, double[] max, int bits) {
    public InputEncoding {
        if (min.length != max.length || min.length == 0) {
            throw new IllegalArgumentException("min and max must have the same, positive length");
        }
        if (bits < 1 || bits > 16) {
            throw new IllegalArgumentException("input bits must be in [1, 16]: " + bits);
        }
        min = min.clone();
        max = max.clone();
    }

    public int features() {
        return min.length;
    }

    public long[] quantize(double[] raw) {
        if (raw.length != min.length) {
            throw new IllegalArgumentException("expected " + min.length + " features, got " + raw.length);
        }
        int top = (1 << bits) - 1;
        long[] x = new long[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (!Double.isFinite(raw[i])) {
                throw new IllegalArgumentException("feature " + i + " is not a finite number: " + raw[i]);
            }
            double range = max[i] - min[i];
            double u = range <= 0 ? 0 : (raw[i] - min[i]) / range;
            u = u <= 0 ? 0 : Math.min(u, 1);
            x[i] = Math.round(u * top);
        }
        return x;
    }

    @Override
    public double[] min() {
        return min.clone();
    }

    @Override
    public double[] max() {
        return max.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputEncoding e && e.bits == bits && Arrays.equals(e.min, min) && Arrays.equals(e.max, max);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(min) * 31 + bits;
    }
}
