package dev.fheml.core.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content-addressed ids: a key id is the SHA-256 of the serialized evaluation key, in lowercase hex. */
public final class Ids {
    private Ids() {}

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** True for 64 lowercase hex digits. */
    public static boolean isId(String s) {
        return s != null && s.matches("[0-9a-f]{64}");
    }
}
