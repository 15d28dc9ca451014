package dev.fheml.inference;

import dev.fheml.core.FheParameters;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.Stage;

/**
 * What one request costs the server, computed from the circuit and the envelope's header before
 * anything is evaluated: its bootstraps, and the memory it holds at its peak when evaluated
 * {@link #chunkQueries()} queries at a time. Memory counts the body (as received and as parsed
 * ciphertexts), the response (native, serialized and enveloped) and the working set of one chunk:
 * a decompressed input GLWE with its NTT residues, and the LWEs of the widest pair of consecutive
 * stages (a stage's input and output are alive together).
 *
 * @param count        queries in the request
 * @param bootstraps   bootstraps the request costs
 * @param memoryBytes  peak memory of the request at {@code chunkQueries}
 * @param chunkQueries queries evaluated together, at least 1
 */
public record RequestCost(int count, long bootstraps, long memoryBytes, int chunkQueries) {
    /** More queries per chunk buy no speed (queries of a chunk run one after another). */
    static final int MAX_CHUNK = 64;

    /** Per-query costs of one circuit; immutable. */
    public static final class Model {
        private final long bootstrapsPerQuery;
        private final long workingBytesPerQuery;
        private final long responseBytesPerQuery;
        private final long inputBytesPerQuery;

        public Model(Circuit circuit) {
            FheParameters p = circuit.parameters();
            long n = p.polynomialSize();
            long glwe = (p.glweDimension() + 1L) * n;
            long lweBytes = (p.bigLweDimension() + 1L) * Long.BYTES;
            int width = circuit.inputLength();
            long widestPair = 0;
            Stage last = circuit.stages().get(circuit.stages().size() - 1);
            for (Stage s : circuit.stages()) {
                int out = s.outputWidth(width);
                long alive = (s instanceof Stage.InputDense ? 0 : width) + (long) (s instanceof Stage.Compact ? 0 : out);
                if (s instanceof Stage.Reduce) {
                    alive = 2L * width; // the 2n inputs, then a copy of the coarse half, its corrections, the result
                }
                widestPair = Math.max(widestPair, alive);
                width = out;
            }
            // Input: the seeded GLWE decompressed (8 bytes a coefficient) and its 5 NTT residues (4 bytes each).
            this.workingBytesPerQuery = glwe * Long.BYTES + 5 * glwe * Integer.BYTES + widestPair * lweBytes;
            Stage.Compact compact = (Stage.Compact) last;
            long dimension = compact.keyswitch() ? p.lweDimension() : p.bigLweDimension();
            this.responseBytesPerQuery = circuit.outputWidth() * (dimension + 1) * ((compact.bits() + 7) / 8) + 16;
            // Seeded GLWE: one body polynomial and a seed.
            this.inputBytesPerQuery = n * Long.BYTES + 64;
            this.bootstrapsPerQuery = circuit.bootstrapCount();
        }

        public long bootstrapsPerQuery() {
            return bootstrapsPerQuery;
        }

        public long workingBytesPerQuery() {
            return workingBytesPerQuery;
        }

        /**
         * The cost of a request of {@code count} queries in a body of {@code bodyBytes}, with chunks as
         * large as {@code budgetBytes} allows (at least one query, at most {@value #MAX_CHUNK}).
         */
        public RequestCost of(int count, long bodyBytes, long budgetBytes) {
            long fixed = 2 * Math.max(bodyBytes, count * inputBytesPerQuery) + 3 * count * responseBytesPerQuery;
            long room = (budgetBytes - fixed) / workingBytesPerQuery;
            int chunk = (int) Math.max(1, Math.min(Math.min(count, MAX_CHUNK), room));
            return new RequestCost(count, count * bootstrapsPerQuery, fixed + chunk * workingBytesPerQuery, chunk);
        }
    }
}
