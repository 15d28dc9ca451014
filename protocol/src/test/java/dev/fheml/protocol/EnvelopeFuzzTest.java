package dev.fheml.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The envelope parser on arbitrary bytes: it refuses with an {@link EnvelopeException} and nothing
 * else, never reads past its limit, and what it accepts is exactly what it would write. Regression
 * inputs: {@code src/test/resources/dev/fheml/protocol/EnvelopeFuzzTestInputs/}; fuzzing mode:
 * {@code ./mvnw -Pfuzz -pl protocol test -Dtest=EnvelopeFuzzTest}.
 */
class EnvelopeFuzzTest {
    private static final long LIMIT = 1 << 20;

    @FuzzTest(maxDuration = "2m")
    void requestEnvelopes(byte[] data) {
        for (Envelope.Kind kind : Envelope.Kind.values()) {
            try {
                Envelope e = Envelope.parse(data, kind, LIMIT);
                assertArrayEquals(data, e.toBytes(), "an accepted envelope is its own bytes");
                assertTrue(e.payload().length <= LIMIT);
            } catch (EnvelopeException expected) {
                // refused, with a reason
            }
        }
    }
}
