package dev.fheml.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Content-addressed ids: a model id is the SHA-256 of the canonical circuit, a key id the SHA-256
 * of the serialized evaluation key, both in lowercase hex.
 */
public final class Ids {
    /** Request ids chosen by a caller (an async inference id, an HTTP request id). */
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private Ids() {}

    /** SHA-256 of {@code bytes} as 64 lowercase hex digits. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** True for 64 lowercase hex digits. */
    public static boolean isId(String s) {
        return s != null && ID.matcher(s).matches();
    }

    /** True for 1 to 128 of {@code [A-Za-z0-9._:-]}: safe in an object name, a header and a log line. */
    public static boolean isRequestId(String s) {
        return s != null && REQUEST_ID.matcher(s).matches();
    }

    /** First characters of an id, for logs. */
    public static String shortId(String id) {
        return id == null ? "-" : id.substring(0, Math.min(12, id.length()));
    }
}
