package dev.fheml.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeLoaderTest {
    /** Loads in a child JVM, so the failure path runs for real and this JVM's library stays loaded. */
    private static ProcessResult probe(String override) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-D" + NativeLoader.OVERRIDE_PROPERTY + "=" + override, LoaderProbe.class.getName());
        pb.redirectErrorStream(true);
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ProcessResult(process.waitFor(), output);
    }

    record ProcessResult(int exitCode, String output) {}

    @Test
    void overrideToMissingFileExplainsWhatWasTried() throws Exception {
        ProcessResult r = probe("/nonexistent/libfheml_native.so");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.output().contains("/nonexistent/libfheml_native.so: no such file"), r.output());
        assertTrue(r.output().contains(NativeLoader.OVERRIDE_PROPERTY), r.output());
    }

    @Test
    void loadsFromTheJarResourceByDefault() throws Exception {
        ProcessResult r = probe("");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("loaded"), r.output());
    }

    @Test
    void platformNames() {
        assertEquals("x86_64", NativeLoader.arch());
        assertEquals("linux", NativeLoader.os());
    }
}
