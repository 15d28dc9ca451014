package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a bulk run is cut into requests: by SageMaker's limits, the measured time per input, and what is already done. */
class BulkPlanTest {
    private static final long MNIST_QUERY_BYTES = 16_523; // one seeded GLWE of the MNIST model, envelope header excluded

    @Test
    void theDefaultsKeepARequestWellInsideSageMakersAsyncLimits() {
        BulkOptions d = BulkOptions.defaults();
        int batch = d.batchSize(MNIST_QUERY_BYTES);
        // Half an hour at 1.3 s per image: the time limit binds, not the 1 GB payload.
        assertEquals(1384, batch);
        assertEquals(true, batch * MNIST_QUERY_BYTES <= BulkOptions.SAGEMAKER_ASYNC_MAX_PAYLOAD_BYTES / 2);
        assertEquals(true, batch * d.timePerInput().toMillis() <= Duration.ofMinutes(30).toMillis());
    }

    @Test
    void thePayloadLimitBindsForLargeInputsAndTheEnvelopeCapForFastOnes() {
        BulkOptions o = BulkOptions.defaults().withLimits(16L << 20, Duration.ofHours(1));
        assertEquals((8L << 20) / MNIST_QUERY_BYTES, o.batchSize(MNIST_QUERY_BYTES));
        BulkOptions fast = BulkOptions.defaults().withTimePerInput(Duration.ofMillis(1)); // a linear model
        assertEquals(4096, fast.batchSize(MNIST_QUERY_BYTES));
        assertEquals(10, fast.withMaxBatch(10).batchSize(MNIST_QUERY_BYTES));
        BulkOptions slow = BulkOptions.defaults().withLimits(1L << 30, Duration.ofSeconds(1));
        assertEquals(1, slow.batchSize(MNIST_QUERY_BYTES), "a request holds one input even when that takes longer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BulkOptions.defaults().withLimits(1000, Duration.ofHours(1)).batchSize(MNIST_QUERY_BYTES));
        assertEquals(true, e.getMessage().contains("16523 bytes"), e.getMessage());
    }

    @Test
    void theRequestsHoldEveryPendingInputOnceInOrder() {
        List<BulkPlan.Request> plan = BulkPlan.split(10, Set.of(), 4, "run");
        assertEquals(3, plan.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, plan.get(0).inputs());
        assertArrayEquals(new int[] {8, 9}, plan.get(2).inputs());
        assertEquals(List.of("run-0", "run-1", "run-2"), plan.stream().map(BulkPlan.Request::id).toList());
    }

    @Test
    void aResumedRunSendsOnlyWhatIsNotDone() {
        List<BulkPlan.Request> plan = BulkPlan.split(10, Set.of(0, 1, 2, 5, 9), 3, "run");
        assertEquals(2, plan.size());
        assertArrayEquals(new int[] {3, 4, 6}, plan.get(0).inputs());
        assertArrayEquals(new int[] {7, 8}, plan.get(1).inputs());
        assertEquals(List.of(), BulkPlan.split(3, Set.of(0, 1, 2), 3, "run"));
    }

    @Test
    void optionsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BulkOptions.defaults().withMaxBatch(4097));
        assertThrows(IllegalArgumentException.class, () -> BulkOptions.defaults().withInFlight(0));
        assertThrows(IllegalArgumentException.class, () -> BulkOptions.defaults().withResubmits(-1));
        assertThrows(IllegalArgumentException.class, () -> BulkPlan.split(3, Set.of(), 0, "run"));
    }
}
