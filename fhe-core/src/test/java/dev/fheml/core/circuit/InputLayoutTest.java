package dev.fheml.core.circuit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputLayoutTest {
    private static final String PRE = "pixel / 255, then Normalize(mean [0.1307], std [0.3081])";

    private static ClientSpec spec(InputLayout layout) {
        int n = layout.features();
        return new ClientSpec(FheParameters.byName(FheParameters.PBS_L1), "0".repeat(64),
                new InputEncoding(new double[n], filled(n, 255), 4), 1L << 40, 1L << 40, List.of("a", "b"),
                new double[] {1, 1}, new long[] {-5, -5}, new long[] {5, 5}, layout);
    }

    private static double[] filled(int n, double v) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    @Test
    void imageLayoutAndPreprocessingSurviveTheClientSpec() {
        ClientSpec spec = spec(InputLayout.image(1, 28, 28, PRE));
        ClientSpec back = ClientSpecCodec.fromJson(ClientSpecCodec.toJson(spec));
        assertEquals(List.of(1, 28, 28), back.layout().shape());
        assertEquals(PRE, back.layout().preprocessing());
        assertTrue(back.layout().isImage());
        assertEquals(784, back.layout().features());
    }

    @Test
    void formatTwoSpecsReadAsFlatAndOtherVersionsAreRefused() {
        String json = new String(ClientSpecCodec.toJson(spec(InputLayout.image(1, 2, 3, PRE))), StandardCharsets.UTF_8);
        String v2 = json.replace("\"formatVersion\":3", "\"formatVersion\":2").replaceAll(",\"layout\":\\{[^}]*\\}", "");
        ClientSpec old = ClientSpecCodec.fromJson(v2.getBytes(StandardCharsets.UTF_8));
        assertEquals(InputLayout.flat(6), old.layout());

        String v1 = json.replace("\"formatVersion\":3", "\"formatVersion\":1");
        String msg = assertThrows(CircuitFormatException.class,
                () -> ClientSpecCodec.fromJson(v1.getBytes(StandardCharsets.UTF_8))).getMessage();
        assertTrue(msg.contains("format version 1"), msg);

        String noLayout = json.replaceAll(",\"layout\":\\{[^}]*\\}", "");
        msg = assertThrows(CircuitFormatException.class,
                () -> ClientSpecCodec.fromJson(noLayout.getBytes(StandardCharsets.UTF_8))).getMessage();
        assertTrue(msg.contains("'layout'"), msg);

        String wrongSize = json.replace("\"shape\":[1,2,3]", "\"shape\":[1,2,4]");
        msg = assertThrows(CircuitFormatException.class,
                () -> ClientSpecCodec.fromJson(wrongSize.getBytes(StandardCharsets.UTF_8))).getMessage();
        assertTrue(msg.contains("1×2×4 holds 8 values, the input encoding 6"), msg);
    }

    @Test
    void storedImagesMustHaveTheModelsSize() {
        InputLayout mnist = InputLayout.image(1, 28, 28, PRE);
        mnist.checkStored(new int[] {28, 28}, "t10k");
        mnist.checkStored(new int[] {1, 28, 28}, "t10k");
        String msg = assertThrows(IllegalArgumentException.class, () -> mnist.checkStored(new int[] {32, 32}, "cifar.idx"))
                .getMessage();
        assertTrue(msg.startsWith("cifar.idx: images are 32×32, the model takes 1×28×28"), msg);
        assertTrue(msg.contains(PRE), msg);
        // Same number of values, different shape: still refused for an image model.
        assertThrows(IllegalArgumentException.class, () -> mnist.checkStored(new int[] {14, 56}, "f"));
        assertThrows(IllegalArgumentException.class, () -> mnist.checkStored(new int[] {784}, "f"));

        InputLayout rgb = InputLayout.image(3, 8, 8, "pixel / 255");
        rgb.checkStored(new int[] {3, 8, 8}, "f");
        assertThrows(IllegalArgumentException.class, () -> rgb.checkStored(new int[] {8, 8}, "f"));

        // A flat model takes any arrangement of its number of values.
        InputLayout flat = InputLayout.flat(784);
        flat.checkStored(new int[] {28, 28}, "f");
        msg = assertThrows(IllegalArgumentException.class, () -> flat.checkStored(new int[] {10, 10}, "f")).getMessage();
        assertTrue(msg.contains("100 values (10×10)") && msg.contains("takes 784"), msg);
    }

    @Test
    void badLayoutsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new InputLayout(List.of(1, 28), "x"));
        assertThrows(IllegalArgumentException.class, () -> new InputLayout(List.of(0), "x"));
        assertThrows(IllegalArgumentException.class, () -> spec(InputLayout.flat(4)).withLayout(InputLayout.flat(5)));
    }
}
