package dev.fheml.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fheml.protocol.Envelope.Kind;
import dev.fheml.protocol.EnvelopeException.Reason;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final String MODEL = "11".repeat(32);
    private static final String KEY = "ab".repeat(32);
    private static final byte[] PAYLOAD = {1, 2, 3};

    /**
     * Golden bytes of format version 1. A change here is a wire-format change: bump
     * {@link Envelope#FORMAT_VERSION} and keep old clients in mind.
     */
    private static final String GOLDEN_REQUEST = "46484d51" + "0001" + "0000" + "11".repeat(32) + "ab".repeat(32)
            + "00000001" + "00000003" + "010203";

    @Test
    void requestMatchesTheGoldenBytes() {
        byte[] bytes = Envelope.request(MODEL, KEY, 1, PAYLOAD).toBytes();
        assertEquals(GOLDEN_REQUEST, HexFormat.of().formatHex(bytes));
        Envelope back = Envelope.parse(HexFormat.of().parseHex(GOLDEN_REQUEST), Kind.REQUEST, 100);
        assertEquals(MODEL, back.modelId());
        assertEquals(KEY, back.keyId());
        assertEquals(1, back.count());
        assertArrayEquals(PAYLOAD, back.payload());
    }

    @Test
    void responseDiffersOnlyInMagic() {
        byte[] bytes = Envelope.response(MODEL, KEY, 1, PAYLOAD).toBytes();
        assertEquals("46484d52" + GOLDEN_REQUEST.substring(8), HexFormat.of().formatHex(bytes));
        assertEquals(Reason.MALFORMED, reason(bytes, Kind.REQUEST, 100));
        assertEquals(Envelope.response(MODEL, KEY, 1, PAYLOAD), Envelope.parse(bytes, Kind.RESPONSE, 100));
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] bytes = Envelope.request(MODEL, KEY, 2, new byte[40]).toBytes();
        for (int n = 0; n < bytes.length; n++) {
            Reason r = reason(Arrays.copyOf(bytes, n), Kind.REQUEST, 1000);
            assertEquals(Reason.TRUNCATED, r, "prefix of " + n + " bytes");
        }
    }

    @Test
    void strictHeader() {
        byte[] good = Envelope.request(MODEL, KEY, 1, PAYLOAD).toBytes();
        byte[] version = good.clone();
        version[5] = 2;
        assertEquals(Reason.UNSUPPORTED_VERSION, reason(version, Kind.REQUEST, 100));
        byte[] flags = good.clone();
        flags[7] = 1;
        assertEquals(Reason.MALFORMED, reason(flags, Kind.REQUEST, 100));
        byte[] zeroCount = good.clone();
        zeroCount[75] = 0;
        assertEquals(Reason.MALFORMED, reason(zeroCount, Kind.REQUEST, 100));
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertEquals(Reason.MALFORMED, reason(trailing, Kind.REQUEST, 100));
        byte[] garbage = "GET / HTTP/1.1\r\n".repeat(10).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(Reason.MALFORMED, reason(garbage, Kind.REQUEST, 100));
    }

    @Test
    void declaredSizeIsCheckedBeforeReading() {
        byte[] bytes = Envelope.request(MODEL, KEY, 1, new byte[101]).toBytes();
        assertEquals(Reason.TOO_LARGE, reason(bytes, Kind.REQUEST, 100));
        byte[] huge = Arrays.copyOf(bytes, Envelope.HEADER_BYTES);
        huge[76] = (byte) 0xff; // declares ~4 GB, carries nothing
        assertEquals(Reason.TOO_LARGE, reason(huge, Kind.REQUEST, 1L << 30));
    }

    @Test
    void idsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Envelope.request("AB".repeat(32), KEY, 1, PAYLOAD));
        assertThrows(IllegalArgumentException.class, () -> Envelope.request(MODEL, "ab", 1, PAYLOAD));
        assertThrows(IllegalArgumentException.class, () -> Envelope.request(MODEL, KEY, 0, PAYLOAD));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Ids.sha256("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    private static Reason reason(byte[] bytes, Kind kind, long max) {
        return assertThrows(EnvelopeException.class, () -> Envelope.parse(bytes, kind, max)).reason();
    }
}
