package dev.fheml.core.circuit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fheml.protocol.Manifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** JSON form of a {@link ClientSpec}. */
public final class ClientSpecCodec {
    /** 2: {@code outputMin}/{@code outputMax} per output (version 1 specs are refused: recompile). */
    public static final int FORMAT_VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientSpecCodec() {}

    public static byte[] toJson(ClientSpec s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("parameters", s.parameters().name());
        root.put(Manifest.MODEL_ID_FIELD, s.modelId());
        ObjectNode input = root.putObject("input");
        input.put("bits", s.input().bits());
        doubles(input.putArray("min"), s.input().min());
        doubles(input.putArray("max"), s.input().max());
        root.put("inputDelta", s.inputDelta());
        root.put("outputDelta", s.outputDelta());
        ArrayNode names = root.putArray("classNames");
        s.classNames().forEach(names::add);
        doubles(root.putArray("outputScales"), s.outputScales());
        longs(root.putArray("outputMin"), s.outputMin());
        longs(root.putArray("outputMax"), s.outputMax());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write client spec JSON", e);
        }
    }

    /** @throws CircuitFormatException naming what is missing or wrong */
    public static ClientSpec fromJson(byte[] json) {
        try {
            JsonNode root = JSON.readTree(json);
            int version = root.path("formatVersion").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new CircuitFormatException("client spec format version " + version + " is not supported (this build reads "
                        + FORMAT_VERSION + ")");
            }
            JsonNode input = required(root, "input");
            List<String> names = new ArrayList<>();
            required(root, "classNames").forEach(n -> names.add(n.asText()));
            return new ClientSpec(CircuitCodec.parameters(required(root, "parameters").asText()), required(root, Manifest.MODEL_ID_FIELD).asText(),
                    new InputEncoding(doubles(required(input, "min")), doubles(required(input, "max")),
                            required(input, "bits").asInt()),
                    required(root, "inputDelta").asLong(), required(root, "outputDelta").asLong(), names,
                    doubles(required(root, "outputScales")), CircuitCodec.longs(required(root, "outputMin")),
                    CircuitCodec.longs(required(root, "outputMax")));
        } catch (IOException e) {
            throw new CircuitFormatException("client spec is not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("inconsistent client spec: " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw new CircuitFormatException("client spec: missing field '" + name + "'");
        }
        return v;
    }

    private static void doubles(ArrayNode array, double[] values) {
        for (double v : values) {
            array.add(v);
        }
    }

    private static void longs(ArrayNode array, long[] values) {
        for (long v : values) {
            array.add(v);
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).isNumber()) {
                throw new CircuitFormatException("client spec: array element " + i + " is not a number");
            }
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
