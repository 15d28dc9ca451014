package dev.fheml.local;

import java.net.URI;
import java.util.List;

/**
 * What the local async invoker's instances did.
 *
 * @param instances          per instance: deliveries taken and busy time
 * @param requests           distinct inference ids taken by an instance
 * @param duplicateDeliveries deliveries of an inference id after its first (0 when every request was delivered once)
 * @param queueMillis        for each delivery, the time from acceptance to an instance taking it
 */
public record FleetStats(List<InstanceStats> instances, int requests, int duplicateDeliveries, double[] queueMillis) {
    /**
     * @param index      position in the fleet
     * @param uri        the instance's inference server
     * @param deliveries requests it took
     * @param maxActive  most of its requests under way at one time (at most its slots)
     * @param busyMillis wall time with at least one of its requests under way
     */
    public record InstanceStats(int index, URI uri, int deliveries, int maxActive, double busyMillis) {}

    /** Deliveries over all instances. */
    public int deliveries() {
        return instances.stream().mapToInt(InstanceStats::deliveries).sum();
    }
}
