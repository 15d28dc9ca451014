package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.BulkOptions;
import dev.fheml.client.BulkResults;
import dev.fheml.client.BulkScorer;
import dev.fheml.client.FheClient;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.inference.InferenceServer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * K inference servers behind the async invoker, dispatched like SageMaker's instance fleet: every
 * request is delivered exactly once, by one instance, no instance holds more requests than its
 * slots, and the requests are spread over all instances.
 */
class FleetIT {
    @Test
    void everyRequestIsServedOnceAndTheFleetSharesTheLoad() throws Exception {
        int requests = 12;
        List<Sample> samples = TinyModel.samples(ModelArtifacts.readServer(Fixtures.model().serverZip()).circuit(),
                requests, 27);
        LocalStack.Options options = LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(1, 1)
                .withServers(3, 1);
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("fleet").build()) {
            List<InferenceServer> servers = stack.servers();
            assertEquals(3, servers.size());
            assertEquals(3, servers.stream().map(InferenceServer::uri).distinct().count(), "one port per instance");
            client.uploadEvaluationKey();
            BulkResults.InMemory results = new BulkResults.InMemory(requests);
            BulkScorer.Summary s = new BulkScorer(client, BulkOptions.defaults().withMaxBatch(1).withInFlight(6))
                    .score(samples.stream().map(Sample::features).toList(), results, BulkScorer.Listener.NONE);
            assertTrue(s.complete(), "failed: " + s.failed());
            List<Prediction> predictions = results.predictions();
            for (int i = 0; i < requests; i++) {
                assertEquals(samples.get(i).expectedClass(), predictions.get(i).classIndex(), "input " + i);
            }

            FleetStats fleet = stack.invoker().fleetStats();
            assertEquals(requests, fleet.requests(), "distinct requests delivered");
            assertEquals(requests, fleet.deliveries(), "each delivered once");
            assertEquals(0, fleet.duplicateDeliveries());
            assertEquals(requests, fleet.queueMillis().length);
            Set<Integer> used = new HashSet<>();
            for (FleetStats.InstanceStats instance : fleet.instances()) {
                assertTrue(instance.maxActive() <= 1, "one slot per instance: " + instance);
                if (instance.deliveries() > 0) {
                    used.add(instance.index());
                    assertTrue(instance.busyMillis() > 0, "busy while delivering: " + instance);
                }
            }
            assertEquals(3, used.size(), "every instance took requests: " + fleet.instances());
            for (InferenceServer server : servers) {
                assertTrue(server.evaluationStats().count() >= 1, "each server evaluated: " + server.uri());
            }
        }
    }
}
