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
    /**
     * 3: adds {@code layout} (input shape and preprocessing); 2: {@code outputMin}/{@code outputMax}
     * per output, read as a flat input layout; version 1 specs are refused (recompile).
     */
    public static final int FORMAT_VERSION = 3;
    private static final int OLDEST_READABLE = 2;
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
        ObjectNode layout = root.putObject("layout");
        ArrayNode shape = layout.putArray("shape");
        s.layout().shape().forEach(shape::add);
        layout.put("preprocessing", s.layout().preprocessing());
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
            if (version < OLDEST_READABLE || version > FORMAT_VERSION) {
                throw new CircuitFormatException("client spec format version " + version + " is not supported (this build reads "
                        + OLDEST_READABLE + " to " + FORMAT_VERSION + ")");
            }
            JsonNode input = required(root, "input");
            List<String> names = new ArrayList<>();
            required(root, "classNames").forEach(n -> names.add(n.asText()));
            ClientSpec spec = new ClientSpec(CircuitCodec.parameters(required(root, "parameters").asText()), required(root, Manifest.MODEL_ID_FIELD).asText(),
                    new InputEncoding(doubles(required(input, "min")), doubles(required(input, "max")),
                            required(input, "bits").asInt()),
                    required(root, "inputDelta").asLong(), required(root, "outputDelta").asLong(), names,
                    doubles(required(root, "outputScales")), CircuitCodec.longs(required(root, "outputMin")),
                    CircuitCodec.longs(required(root, "outputMax")));
            return version < 3 ? spec : spec.withLayout(layout(required(root, "layout")));
        } catch (IOException e) {
            throw new CircuitFormatException("client spec is not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("inconsistent client spec: " + e.getMessage(), e);
        }
    }

    private static InputLayout layout(JsonNode node) {
        List<Integer> shape = new ArrayList<>();
        for (JsonNode d : required(node, "shape")) {
            if (!d.canConvertToInt()) {
                throw new CircuitFormatException("client spec: layout shape element " + d + " is not an integer");
            }
            shape.add(d.asInt());
        }
        return new InputLayout(shape, required(node, "preprocessing").asText());
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
