package dev.fheml.core;

import dev.fheml.core.internal.Native;

/** tfhe-rs's own shortint keyswitch + bootstrap on the base parameter set: the floor we benchmark against. */
public final class Baseline {
    private Baseline() {}

    /** Mean milliseconds of one shortint KS+PBS on the calling thread (generates its own keys first). */
    public static double shortintKsPbsMillis(int iterations) {
        return Native.Baseline_shortintKsPbsMs(iterations);
    }
}
