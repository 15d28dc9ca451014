package dev.fheml.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The binary request and response bodies exchanged with the inference server (DESIGN §4). One
 * layout for both directions, big-endian, no padding:
 *
 * <pre>
 * offset size field
 *      0    4 magic: "FHMQ" (request, client → server) or "FHMR" (response, server → client)
 *      4    2 format version ({@value #FORMAT_VERSION})
 *      6    2 flags, reserved: must be 0
 *      8   32 model id: SHA-256 of the canonical circuit
 *     40   32 key id: SHA-256 of the serialized evaluation key
 *     72    4 count: queries in the batch, 1..{@value #MAX_COUNT}
 *     76    4 payload length in bytes
 *     80    n payload: a serialized {@code GlweBatch} (request) or {@code CompactBatch} (response)
 * </pre>
 *
 * <p>Nothing may follow the payload. Parsing is strict and never allocates more than the declared
 * payload, which is checked against the caller's limit first. The payload itself is parsed (with
 * its own size limit and parameter checks) by the engine, not here.
 *
 * @param kind     request or response
 * @param modelId  64 lowercase hex digits
 * @param keyId    64 lowercase hex digits
 * @param count    number of queries in the payload
 * @param payload  the serialized ciphertexts (not copied: treat as read-only)
 */
public record Envelope(Kind kind, String modelId, String keyId, int count, byte[] payload) {
    public static final int FORMAT_VERSION = 1;
    public static final int HEADER_BYTES = 80;
    /** Largest batch in one envelope. */
    public static final int MAX_COUNT = 4096;

    /** Which way the envelope travels; each has its own magic. */
    public enum Kind {
        REQUEST("FHMQ"),
        RESPONSE("FHMR");

        private final byte[] magic;

        Kind(String magic) {
            this.magic = magic.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    public Envelope {
        if (kind == null || payload == null) {
            throw new IllegalArgumentException("kind and payload are required");
        }
        checkId("model id", modelId);
        checkId("key id", keyId);
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be in [1, " + MAX_COUNT + "]: " + count);
        }
    }

    public static Envelope request(String modelId, String keyId, int count, byte[] payload) {
        return new Envelope(Kind.REQUEST, modelId, keyId, count, payload);
    }

    public static Envelope response(String modelId, String keyId, int count, byte[] payload) {
        return new Envelope(Kind.RESPONSE, modelId, keyId, count, payload);
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put(kind.magic).putShort((short) FORMAT_VERSION).putShort((short) 0);
        b.put(HEX.parseHex(modelId)).put(HEX.parseHex(keyId));
        b.putInt(count).putInt(payload.length).put(payload);
        return b.array();
    }

    /**
     * Parses untrusted bytes.
     *
     * @param expected   the kind the caller expects (a response sent as a request is malformed)
     * @param maxPayload largest payload accepted, in bytes
     * @throws EnvelopeException with the {@link EnvelopeException.Reason reason}; never anything else
     */
    public static Envelope parse(byte[] bytes, Kind expected, long maxPayload) {
        if (bytes == null || bytes.length < 8) {
            throw new EnvelopeException(EnvelopeException.Reason.TRUNCATED,
                    "envelope is " + (bytes == null ? 0 : bytes.length) + " bytes, shorter than its "
                            + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, expected.magic)) {
            throw new EnvelopeException(EnvelopeException.Reason.MALFORMED, "not a " + expected.name().toLowerCase()
                    + " envelope (magic " + HEX.formatHex(magic) + ", expected "
                    + new String(expected.magic, StandardCharsets.US_ASCII) + ")");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != FORMAT_VERSION) {
            throw new EnvelopeException(EnvelopeException.Reason.UNSUPPORTED_VERSION, "envelope format version "
                    + version + " is not supported (this build reads version " + FORMAT_VERSION + ")");
        }
        if (bytes.length < HEADER_BYTES) {
            throw new EnvelopeException(EnvelopeException.Reason.TRUNCATED,
                    "envelope is " + bytes.length + " bytes, shorter than its " + HEADER_BYTES + "-byte header");
        }
        int flags = Short.toUnsignedInt(b.getShort());
        if (flags != 0) {
            throw new EnvelopeException(EnvelopeException.Reason.MALFORMED, "reserved flags are set: " + flags);
        }
        byte[] model = new byte[32];
        byte[] key = new byte[32];
        b.get(model).get(key);
        long count = Integer.toUnsignedLong(b.getInt());
        long length = Integer.toUnsignedLong(b.getInt());
        if (count < 1 || count > MAX_COUNT) {
            throw new EnvelopeException(EnvelopeException.Reason.MALFORMED,
                    "batch count " + count + " is outside [1, " + MAX_COUNT + "]");
        }
        if (length > maxPayload) {
            throw new EnvelopeException(EnvelopeException.Reason.TOO_LARGE,
                    "payload of " + length + " bytes exceeds the limit of " + maxPayload);
        }
        long available = bytes.length - HEADER_BYTES;
        if (available < length) {
            throw new EnvelopeException(EnvelopeException.Reason.TRUNCATED,
                    "payload declares " + length + " bytes but only " + available + " follow the header");
        }
        if (available > length) {
            throw new EnvelopeException(EnvelopeException.Reason.MALFORMED,
                    (available - length) + " unexpected bytes after the payload");
        }
        byte[] payload = new byte[(int) length];
        b.get(payload);
        return new Envelope(expected, HEX.formatHex(model), HEX.formatHex(key), (int) count, payload);
    }

    private static void checkId(String what, String id) {
        if (!Ids.isId(id)) {
            throw new IllegalArgumentException(what + " must be 64 lowercase hex digits: " + id);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && e.kind == kind && e.modelId.equals(modelId) && e.keyId.equals(keyId)
                && e.count == count && java.util.Arrays.equals(e.payload, payload);
    }

    @Override
    public int hashCode() {
        return (modelId.hashCode() * 31 + keyId.hashCode()) * 31 + java.util.Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Envelope[" + kind + ", model " + Ids.shortId(modelId) + ", key " + Ids.shortId(keyId) + ", count " + count
                + ", " + payload.length + " payload bytes]";
    }
}
