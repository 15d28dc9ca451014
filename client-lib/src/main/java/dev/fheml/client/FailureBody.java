package dev.fheml.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a failure object into an {@link InferenceFailedException}. The server writes
 * {@code {"error": code, "message": text}}; SageMaker may store that body as it is, inside a JSON
 * field of its own, or quoted in a line of text ({@code ... with message "{...}"}). Every candidate is
 * read by the JSON parser (never by cutting text at braces): the whole body first, then JSON strings
 * found inside it, then each place in the text where a JSON object starts.
 */
final class FailureBody {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Larger failure bodies are not read (the server's are a few hundred bytes). */
    static final int MAX_BYTES = 64 * 1024;
    private static final int SHOWN_CHARS = 500;
    private static final int MAX_DEPTH = 4;
    /** Object starts tried in one text: bounds the work on a body made of braces. */
    private static final int MAX_STARTS = 64;

    private FailureBody() {}

    static InferenceFailedException parse(String inferenceId, byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_BYTES), StandardCharsets.UTF_8);
        JsonNode error = find(text, 0);
        if (error != null) {
            return new InferenceFailedException(error.get(HostingContract.ERROR_FIELD).asText(),
                    error.path(HostingContract.MESSAGE_FIELD).asText(""), inferenceId);
        }
        String shown = text.length() > SHOWN_CHARS ? text.substring(0, SHOWN_CHARS) + "..." : text;
        return new InferenceFailedException(ErrorCode.UNKNOWN, shown.strip(), inferenceId);
    }

    /** The first JSON object with a textual {@code error} field in {@code text}, or null. */
    private static JsonNode find(String text, int depth) {
        if (depth > MAX_DEPTH) {
            return null;
        }
        char[] chars = text.toCharArray();
        JsonNode whole = readFirstValue(chars, 0);
        if (whole != null) {
            JsonNode found = search(whole, depth);
            if (found != null) {
                return found;
            }
        }
        int tried = 0;
        for (int at = text.indexOf('{'); at >= 0 && tried++ < MAX_STARTS; at = text.indexOf('{', at + 1)) {
            JsonNode node = readFirstValue(chars, at);
            JsonNode found = node == null ? null : search(node, depth);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** An error object itself, or one inside a field's JSON-encoded string. */
    private static JsonNode search(JsonNode node, int depth) {
        if (node.isObject() && node.path(HostingContract.ERROR_FIELD).isTextual()) {
            return node;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                JsonNode value = it.next().getValue();
                JsonNode found = value.isTextual() ? find(value.asText(), depth + 1) : search(value, depth + 1);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The JSON value that starts at {@code from} (trailing text ignored), or null if none does. */
    private static JsonNode readFirstValue(char[] text, int from) {
        try (JsonParser p = JSON.getFactory().createParser(text, from, text.length - from)) {
            return p.nextToken() == null ? null : JSON.readTree(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
