package dev.fheml.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The requests of a bulk run: the inputs not yet done, in order, cut into requests of at most
 * {@code batchSize} inputs, each named {@code <run>-<n>}.
 */
final class BulkPlan {
    /** One request: its id and the indices of the inputs it holds (ascending). */
    record Request(String id, int[] inputs) {
        String describe() {
            return "request " + id + " (inputs " + inputs[0] + (inputs.length == 1 ? "" : ".." + inputs[inputs.length - 1])
                    + ", " + inputs.length + " inputs)";
        }

        @Override
        public String toString() {
            return id + Arrays.toString(inputs);
        }
    }

    private BulkPlan() {}

    /**
     * @param total     inputs in all
     * @param done      indices already scored (a resumed run); they are not sent again
     * @param batchSize inputs per request at most
     * @param run       prefix of the request ids
     */
    static List<Request> split(int total, Set<Integer> done, int batchSize, String run) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        List<Request> requests = new ArrayList<>();
        int[] pending = new int[batchSize];
        int n = 0;
        for (int i = 0; i < total; i++) {
            if (done.contains(i)) {
                continue;
            }
            pending[n++] = i;
            if (n == batchSize) {
                requests.add(new Request(run + "-" + requests.size(), pending.clone()));
                n = 0;
            }
        }
        if (n > 0) {
            requests.add(new Request(run + "-" + requests.size(), Arrays.copyOf(pending, n)));
        }
        return requests;
    }
}
