package dev.fheml.core.circuit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.LookupTables;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical JSON form of a {@link Circuit} (fixed field order, integers only), and the model id:
 * the SHA-256 of those bytes. A changed weight, table entry or scale changes the id.
 */
public final class CircuitCodec {
    /**
     * Bumped on any incompatible change of the JSON layout. 2: bootstraps carry {@code saturating},
     * compactions {@code rerandomize} (version 1 circuits are refused: recompile them).
     */
    public static final int FORMAT_VERSION = 2;
    /** Written for circuits with a range-reduction stage, which version 2 readers do not know. */
    public static final int FORMAT_VERSION_REDUCE = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CircuitCodec() {}

    public static byte[] toJson(Circuit c) {
        ObjectNode root = JSON.createObjectNode();
        boolean reduces = c.stages().stream().anyMatch(s -> s instanceof Stage.Reduce);
        root.put("formatVersion", reduces ? FORMAT_VERSION_REDUCE : FORMAT_VERSION);
        root.put("parameters", c.parameters().name());
        root.put("inputLength", c.inputLength());
        root.put("inputDelta", c.inputDelta());
        ArrayNode stages = root.putArray("stages");
        for (Stage s : c.stages()) {
            ObjectNode n = stages.addObject();
            if (s instanceof Stage.InputDense d) {
                n.put("type", "input_dense");
                layer(n, d.layer());
            } else if (s instanceof Stage.LevelledDense d) {
                n.put("type", "levelled_dense");
                layer(n, d.layer());
            } else if (s instanceof Stage.Bootstrap b) {
                n.put("type", "bootstrap");
                n.put("domain", b.tables().domain());
                n.put("count", b.tables().count());
                n.put("deltaOut", b.tables().deltaOut());
                n.put("saturating", b.tables().saturating());
                longs(n.putArray("values"), b.tables().flatValues());
            } else if (s instanceof Stage.Reduce r) {
                n.put("type", "reduce");
                n.put("domain", r.tables().domain());
                n.put("count", r.tables().count());
                n.put("deltaOut", r.tables().deltaOut());
                longs(n.putArray("values"), r.tables().flatValues());
            } else if (s instanceof Stage.Compact k) {
                n.put("type", "compact");
                n.put("keyswitch", k.keyswitch());
                n.put("bits", k.bits());
                n.put("rerandomize", k.rerandomize());
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write circuit JSON", e);
        }
    }

    /**
     * @throws CircuitFormatException naming the field that is missing or wrong
     */
    public static Circuit fromJson(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CircuitFormatException("circuit is not valid JSON: " + e.getMessage(), e);
        }
        int version = integer(root, "formatVersion");
        if (version != FORMAT_VERSION && version != FORMAT_VERSION_REDUCE) {
            throw new CircuitFormatException("circuit format version " + version + " is not supported (this build reads "
                    + FORMAT_VERSION + " and " + FORMAT_VERSION_REDUCE + ")");
        }
        List<Stage> stages = new ArrayList<>();
        JsonNode list = field(root, "stages");
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String type = field(n, "type").asText();
            stages.add(switch (type) {
                case "input_dense" -> new Stage.InputDense(layer(n));
                case "levelled_dense" -> new Stage.LevelledDense(layer(n));
                case "bootstrap" -> new Stage.Bootstrap(tables(n));
                case "reduce" -> reduce(n);
                case "compact" -> new Stage.Compact(flag(n, "keyswitch"), integer(n, "bits"), flag(n, "rerandomize"));
                default -> throw new CircuitFormatException("stage " + i + " has unknown type '" + type + "'");
            });
        }
        try {
            return new Circuit(parameters(field(root, "parameters").asText()), integer(root, "inputLength"),
                    number(root, "inputDelta"), stages);
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("inconsistent circuit: " + e.getMessage(), e);
        }
    }

    /** SHA-256 (hex) of the canonical JSON. */
    public static String modelId(Circuit c) {
        return Ids.sha256(toJson(c));
    }

    /** The named parameter set, or a format error naming the unknown name. */
    static FheParameters parameters(String name) {
        try {
            return FheParameters.byName(name);
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException(e.getMessage(), e);
        }
    }

    private static LookupTables tables(JsonNode n) {
        try {
            LookupTables t = LookupTables.fromFlat(integer(n, "domain"), integer(n, "count"), longs(field(n, "values")),
                    number(n, "deltaOut"));
            return flag(n, "saturating") ? t.asSaturating() : t;
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("bad bootstrap: " + e.getMessage(), e);
        }
    }

    private static Stage.Reduce reduce(JsonNode n) {
        try {
            return new Stage.Reduce(LookupTables.fromFlat(integer(n, "domain"), integer(n, "count"),
                    longs(field(n, "values")), number(n, "deltaOut")));
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("bad range reduction: " + e.getMessage(), e);
        }
    }

    private static boolean flag(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isBoolean()) {
            throw new CircuitFormatException("field '" + name + "' is not a boolean");
        }
        return v.asBoolean();
    }

    private static void layer(ObjectNode n, DenseLayer l) {
        n.put("inputs", l.inputs());
        n.put("outputs", l.outputs());
        n.put("delta", l.delta());
        longs(n.putArray("weights"), l.weights());
        longs(n.putArray("bias"), l.bias());
    }

    private static DenseLayer layer(JsonNode n) {
        try {
            return new DenseLayer(integer(n, "inputs"), integer(n, "outputs"), longs(field(n, "weights")),
                    longs(field(n, "bias")), number(n, "delta"));
        } catch (IllegalArgumentException e) {
            throw new CircuitFormatException("bad layer: " + e.getMessage(), e);
        }
    }

    private static void longs(ArrayNode array, long[] values) {
        for (long v : values) {
            array.add(v);
        }
    }

    /** Reads an array of 64-bit integers (also the client spec's). */
    static long[] longs(JsonNode array) {
        if (!array.isArray()) {
            throw new CircuitFormatException("expected an array of integers");
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).canConvertToLong() || !array.get(i).isIntegralNumber()) {
                throw new CircuitFormatException("array element " + i + " is not a 64-bit integer");
            }
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    private static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw new CircuitFormatException("missing field '" + name + "'");
        }
        return v;
    }

    private static long number(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new CircuitFormatException("field '" + name + "' is not a 64-bit integer");
        }
        return v.asLong();
    }

    private static int integer(JsonNode n, String name) {
        long v = number(n, name);
        if (v != (int) v) {
            throw new CircuitFormatException("field '" + name + "' is out of range");
        }
        return (int) v;
    }
}
