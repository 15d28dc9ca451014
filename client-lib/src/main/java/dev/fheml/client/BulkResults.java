package dev.fheml.client;

import dev.fheml.core.circuit.Prediction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Where {@link BulkScorer} puts the predictions of each request as it completes (in completion
 * order, from several threads). An input must be given at most once: an implementation refuses a
 * second result for the same input, which would mean a request counted twice.
 */
public interface BulkResults {
    /** The predictions of one request: {@code predictions.get(k)} is the prediction of input {@code inputs[k]}. */
    void write(int[] inputs, List<Prediction> predictions) throws IOException;

    /** Keeps the predictions in memory, by input index. */
    final class InMemory implements BulkResults {
        private final Prediction[] predictions;

        public InMemory(int total) {
            this.predictions = new Prediction[total];
        }

        @Override
        public synchronized void write(int[] inputs, List<Prediction> results) {
            for (int k = 0; k < inputs.length; k++) {
                if (predictions[inputs[k]] != null) {
                    throw new IllegalStateException("input " + inputs[k] + " received a second result");
                }
                predictions[inputs[k]] = results.get(k);
            }
        }

        /** The predictions so far, in input order, {@code null} where an input has none. */
        public synchronized List<Prediction> snapshot() {
            return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(predictions)));
        }

        /**
         * Every prediction, in input order.
         *
         * @throws IllegalStateException some input has none
         */
        public synchronized List<Prediction> predictions() {
            List<Prediction> out = new ArrayList<>(Arrays.asList(predictions));
            int missing = out.indexOf(null);
            if (missing >= 0) {
                throw new IllegalStateException("input " + missing + " has no prediction");
            }
            return out;
        }
    }
}
