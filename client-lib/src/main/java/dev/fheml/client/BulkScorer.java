package dev.fheml.client;

import dev.fheml.core.circuit.Prediction;
import dev.fheml.protocol.Envelope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scores a large input set through one {@link FheClient}: splits it into requests sized by
 * {@link BulkOptions}, encrypts the next request while earlier ones are evaluated (at most
 * {@code inFlight} submitted and one encrypted ahead: the caller's thread waits for a free slot),
 * resubmits a request that failed or timed out with the same request id (a new submission round),
 * and hands each request's predictions to a {@link BulkResults} as soon as they are decrypted. A
 * request that still fails is reported in the {@link Summary}, never half-written: its inputs have
 * no result, so a resumed run sends them again.
 */
public final class BulkScorer {
    /** Told of progress after each request, and of each resubmission. Called from several threads. */
    public interface Listener {
        void progress(Progress progress);

        void resubmitting(String requestId, int inputs, FheClientException cause);

        Listener NONE = new Listener() {
            @Override
            public void progress(Progress progress) {}

            @Override
            public void resubmitting(String requestId, int inputs, FheClientException cause) {}
        };
    }

    /**
     * @param done          inputs with a result, this run and earlier ones
     * @param total         inputs in all
     * @param failed        inputs whose request failed for good in this run
     * @param inputsPerS    inputs scored per second since this run started
     * @param eta           time left at that rate ({@code null} before the first result)
     */
    public record Progress(int done, int total, int failed, double inputsPerS, Duration eta) {}

    /** A request that failed after its resubmissions: its inputs have no result. */
    public record FailedRequest(String requestId, int firstInput, int lastInput, int inputs, String cause) {}

    /**
     * @param total        inputs in all
     * @param skipped      inputs already done before this run (resumed)
     * @param scored       inputs scored by this run
     * @param batchSize    inputs per request
     * @param requests     requests of this run
     * @param resubmitted  requests submitted again after a failure
     * @param maxInFlight  most requests submitted and unanswered at one time
     * @param encryptedAhead requests encrypted while another one was in flight (pipelining)
     * @param seconds      wall time of this run
     * @param failed       requests that failed for good
     */
    public record Summary(int total, int skipped, int scored, int batchSize, int requests, int resubmitted,
            int maxInFlight, int encryptedAhead, double seconds, List<FailedRequest> failed) {
        public boolean complete() {
            return failed.isEmpty();
        }
    }

    private final FheClient client;
    private final BulkOptions options;

    public BulkScorer(FheClient client, BulkOptions options) {
        this.client = client;
        this.options = options;
    }

    /** Inputs per request for this client's model under the options (one input is encrypted to measure its size). */
    public int batchSize(double[] sample) {
        FheClient.EncryptedRequest one = client.encrypt("size-probe", List.of(sample));
        return options.batchSize(one.body().length - Envelope.HEADER_BYTES);
    }

    /** Scores every input. */
    public Summary score(List<double[]> inputs, BulkResults results, Listener listener) throws IOException {
        return score(inputs, Set.of(), results, listener);
    }

    /**
     * Scores the inputs not in {@code done}.
     *
     * @throws IOException {@code results} could not be written (the run stops; what was written stays)
     */
    public Summary score(List<double[]> inputs, Set<Integer> done, BulkResults results, Listener listener)
            throws IOException {
        int total = inputs.size();
        int skipped = (int) done.stream().filter(i -> i >= 0 && i < total).count();
        if (skipped == total) {
            return new Summary(total, skipped, 0, 0, 0, 0, 0, 0, 0, List.of());
        }
        int batch = batchSize(inputs.get(0));
        String run = "bulk-" + UUID.randomUUID().toString().substring(0, 8);
        List<BulkPlan.Request> plan = BulkPlan.split(total, done, batch, run);
        Run state = new Run(total, skipped, results, listener);
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(options.inFlight(), r -> {
            Thread t = new Thread(r, "bulk-send-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int permits = options.inFlight() + 1; // the requests in flight and one encrypted ahead
        Semaphore slots = new Semaphore(permits);
        try {
            for (BulkPlan.Request request : plan) {
                slots.acquire();
                if (state.fatal.get() != null) {
                    slots.release();
                    break;
                }
                FheClient.EncryptedRequest encrypted;
                try {
                    encrypted = client.encrypt(request.id(), rows(inputs, request.inputs()));
                } catch (RuntimeException e) {
                    state.fatal.compareAndSet(null, e); // thrown once the requests in flight are answered
                    slots.release();
                    break;
                }
                if (state.inFlight.get() > 0) {
                    state.encryptedAhead.incrementAndGet();
                }
                senders.execute(() -> {
                    try {
                        state.send(request, encrypted);
                    } finally {
                        slots.release();
                    }
                });
            }
            slots.acquire(permits); // every request answered
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: the results written so far stay; run again to resume", e);
        } finally {
            senders.shutdownNow();
        }
        Throwable fatal = state.fatal.get();
        if (fatal instanceof IOException io) {
            throw io;
        }
        if (fatal instanceof RuntimeException re) {
            throw re;
        }
        if (fatal instanceof Error err) {
            throw err;
        }
        return new Summary(total, skipped, state.scored.get(), batch, plan.size(), state.resubmitted.get(),
                state.maxInFlight.get(), state.encryptedAhead.get(), state.seconds(), state.failedList());
    }

    private static List<double[]> rows(List<double[]> inputs, int[] indices) {
        List<double[]> rows = new ArrayList<>(indices.length);
        for (int i : indices) {
            rows.add(inputs.get(i));
        }
        return rows;
    }

    /**
     * A failure a second submission may not have: no result in time, the store or the endpoint out of
     * reach, a retryable error code, or a result outside its range (bounded noise failure or damage).
     */
    static boolean resubmittable(FheClientException e) {
        return e instanceof InferenceTimeoutException || e instanceof TransportException
                || e instanceof InvalidResultException
                || (e instanceof InferenceFailedException f && f.retryable());
    }

    /** The counters of one run, shared by the sender threads. */
    private final class Run {
        final int total;
        final BulkResults results;
        final Listener listener;
        final long start = System.nanoTime();
        final AtomicInteger done;
        final AtomicInteger scored = new AtomicInteger();
        final AtomicInteger failedInputs = new AtomicInteger();
        final AtomicInteger resubmitted = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger encryptedAhead = new AtomicInteger();
        final AtomicReference<Throwable> fatal = new AtomicReference<>();
        final List<FailedRequest> failed = Collections.synchronizedList(new ArrayList<>());

        Run(int total, int skipped, BulkResults results, Listener listener) {
            this.total = total;
            this.done = new AtomicInteger(skipped);
            this.results = results;
            this.listener = listener;
        }

        void send(BulkPlan.Request request, FheClient.EncryptedRequest encrypted) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                List<Prediction> predictions = attempt(request, encrypted);
                if (predictions != null) {
                    results.write(request.inputs(), predictions);
                    scored.addAndGet(request.inputs().length);
                    done.addAndGet(request.inputs().length);
                }
                listener.progress(progress());
            } catch (IOException | RuntimeException | Error e) {
                fatal.compareAndSet(null, e);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        /** The predictions, or {@code null} when the request failed for good (recorded). */
        private List<Prediction> attempt(BulkPlan.Request request, FheClient.EncryptedRequest encrypted) {
            for (int round = 0; ; round++) {
                try {
                    return client.send(encrypted, round);
                } catch (FheClientException e) {
                    if (round >= options.resubmits() || !resubmittable(e)) {
                        int[] in = request.inputs();
                        failed.add(new FailedRequest(request.id(), in[0], in[in.length - 1], in.length,
                                e.getClass().getSimpleName() + ": " + e.getMessage()));
                        failedInputs.addAndGet(in.length);
                        return null;
                    }
                    resubmitted.incrementAndGet();
                    listener.resubmitting(request.id(), request.inputs().length, e);
                }
            }
        }

        Progress progress() {
            int d = done.get();
            int f = failedInputs.get();
            double rate = scored.get() / seconds();
            Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - d - f) / rate * 1000)) : null;
            return new Progress(d, total, f, rate, eta);
        }

        double seconds() {
            return Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        }

        List<FailedRequest> failedList() {
            synchronized (failed) {
                List<FailedRequest> copy = new ArrayList<>(failed);
                copy.sort((a, b) -> Integer.compare(a.firstInput(), b.firstInput()));
                return List.copyOf(copy);
            }
        }
    }
}
