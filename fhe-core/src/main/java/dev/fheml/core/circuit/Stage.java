package dev.fheml.core.circuit;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.LookupTables;

/** One step of a {@link Circuit}. */
public sealed interface Stage {
    /** Values per query after this stage, given the width before it. */
    int outputWidth(int inputWidth);

    /** Dense layer on the encrypted input vector (always the first stage). */
    record InputDense(DenseLayer layer) implements Stage {
        @Override
        public int outputWidth(int inputWidth) {
            return layer.outputs();
        }
    }

    /** Keyswitch + bootstrap through one table per value (or one shared table). */
    record Bootstrap(LookupTables tables) implements Stage {
        @Override
        public int outputWidth(int inputWidth) {
            return inputWidth;
        }
    }

    /**
     * Range reduction of n neurons whose accumulators come twice (2n values: coarse, then fine at the
     * same delta): the coarse ones are bootstrapped through {@code tables} (one per neuron, plain,
     * output delta = the incoming delta) into corrections subtracted from the fine ones; n values
     * out. See {@link dev.fheml.core.ServerContext#reduce}.
     */
    record Reduce(LookupTables tables) implements Stage {
        public Reduce {
            if (tables.saturating()) {
                throw new IllegalArgumentException("range-reduction tables are plain, not saturating");
            }
        }

        @Override
        public int outputWidth(int inputWidth) {
            return inputWidth / 2;
        }
    }

    /** Levelled dense layer on the previous stage's values. */
    record LevelledDense(DenseLayer layer) implements Stage {
        @Override
        public int outputWidth(int inputWidth) {
            return layer.outputs();
        }
    }

    /**
     * Output compaction (always the last stage), see
     * {@link dev.fheml.core.ServerContext#compact(dev.fheml.core.LweBatch, boolean, int, boolean)};
     * {@code rerandomize}: first add a fresh encryption of zero under the client's public key (a
     * sanitized response).
     */
    record Compact(boolean keyswitch, int bits, boolean rerandomize) implements Stage {
        public Compact {
            if (bits < 8 || bits > 32) {
                throw new IllegalArgumentException("compaction bits must be in [8, 32]: " + bits);
            }
        }

        /** Without re-randomization. */
        public Compact(boolean keyswitch, int bits) {
            this(keyswitch, bits, false);
        }

        @Override
        public int outputWidth(int inputWidth) {
            return inputWidth;
        }
    }
}
