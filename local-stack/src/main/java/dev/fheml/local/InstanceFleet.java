package dev.fheml.local;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The instances behind the local async invoker, as SageMaker's instance fleet sees them: each
 * instance takes up to {@code slots} requests at a time (MaxConcurrentInvocationsPerInstance) from
 * the one queue of accepted requests. Records, per instance, the deliveries it took and its busy
 * time (wall time with at least one delivery under way), and per request the time it queued and
 * which instance took it, so that a run can show that every request was delivered exactly once.
 */
final class InstanceFleet {
    private final List<Instance> instances = new ArrayList<>();
    private final int slots;
    private final Map<String, List<Integer>> takenBy = new ConcurrentHashMap<>();
    private final List<Long> queueNanos = new ArrayList<>();

    InstanceFleet(List<URI> uris, int slots) {
        if (uris.isEmpty() || slots < 1) {
            throw new IllegalArgumentException("a fleet needs at least one instance and one slot each");
        }
        for (URI u : uris) {
            instances.add(new Instance(u));
        }
        this.slots = slots;
    }

    int size() {
        return instances.size();
    }

    int slots() {
        return slots;
    }

    URI uri(int instance) {
        return instances.get(instance).uri;
    }

    /** Instance {@code instance} takes request {@code id}, which was accepted {@code queuedNanos} ago. */
    void begin(int instance, String id, long queuedNanos) {
        takenBy.computeIfAbsent(id, k -> new ArrayList<>());
        synchronized (takenBy.get(id)) {
            takenBy.get(id).add(instance);
        }
        synchronized (queueNanos) {
            queueNanos.add(queuedNanos);
        }
        instances.get(instance).begin();
    }

    void end(int instance) {
        instances.get(instance).end();
    }

    /** Counters of the whole fleet so far. */
    FleetStats stats() {
        List<FleetStats.InstanceStats> per = new ArrayList<>();
        for (int i = 0; i < instances.size(); i++) {
            per.add(instances.get(i).stats(i));
        }
        int duplicates = 0;
        for (List<Integer> taken : takenBy.values()) {
            synchronized (taken) {
                duplicates += Math.max(0, taken.size() - 1);
            }
        }
        double[] queued;
        synchronized (queueNanos) {
            queued = queueNanos.stream().mapToDouble(n -> n / 1e6).toArray();
        }
        return new FleetStats(per, takenBy.size(), duplicates, queued);
    }

    private static final class Instance {
        final URI uri;
        final AtomicInteger deliveries = new AtomicInteger();
        private int active;
        private int maxActive;
        private long busySince;
        private long busyNanos;

        Instance(URI uri) {
            this.uri = uri;
        }

        synchronized void begin() {
            deliveries.incrementAndGet();
            if (active++ == 0) {
                busySince = System.nanoTime();
            }
            maxActive = Math.max(maxActive, active);
        }

        synchronized void end() {
            if (--active == 0) {
                busyNanos += System.nanoTime() - busySince;
            }
        }

        synchronized FleetStats.InstanceStats stats(int index) {
            long busy = busyNanos + (active > 0 ? System.nanoTime() - busySince : 0);
            return new FleetStats.InstanceStats(index, uri, deliveries.get(), maxActive, busy / 1e6);
        }
    }
}
