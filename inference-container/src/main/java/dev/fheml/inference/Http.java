package dev.fheml.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Small helpers over Jetty's core API shared by the inference server and the local async invoker. */
public final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Http() {}

    /** Thrown by {@link #readBody} when the body is longer than allowed. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /** Reads the whole body, refusing (unread) one that declares or turns out to be longer than {@code max}. */
    public static byte[] readBody(Request request, long max) throws IOException {
        long declared = request.getLength();
        if (declared > max) {
            throw new TooLargeException("request body of " + declared + " bytes exceeds the limit of " + max);
        }
        try (InputStream in = Request.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw new TooLargeException("request body exceeds the limit of " + max + " bytes");
            }
            return body;
        }
    }

    public static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    public static void sendJson(Response response, Callback callback, int status, Map<String, ?> body) {
        send(response, callback, status, HostingContract.JSON_CONTENT_TYPE, json(body).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code {"error": code, "message": message}}. */
    public static void sendError(Response response, Callback callback, ErrorCode code, String message) {
        sendJson(response, callback, code.status(), errorBody(code, message));
    }

    public static Map<String, Object> errorBody(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(HostingContract.ERROR_FIELD, code.code());
        m.put(HostingContract.MESSAGE_FIELD, message);
        return m;
    }

    /** One-line JSON for logs and bodies. */
    public static String json(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
