package dev.fheml.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads the engine's native library once: the path in system property {@value #OVERRIDE_PROPERTY}
 * if set, otherwise the copy shipped in the jar under {@code /native/<os>/<arch>/}, extracted to a
 * private temporary file. Never downloads anything. On failure the error lists every path tried.
 */
public final class NativeLoader {
    public static final String OVERRIDE_PROPERTY = "fheml.native.library";
    static final String LIBRARY_FILE = "libfheml_native.so";

    private static volatile boolean loaded;

    private NativeLoader() {}

    public static synchronized void load() {
        if (loaded) {
            return;
        }
        List<String> tried = new ArrayList<>();
        String override = System.getProperty(OVERRIDE_PROPERTY);
        if (override != null && !override.isBlank()) {
            tryLoad(Path.of(override), "system property " + OVERRIDE_PROPERTY, tried);
        } else {
            String resource = "/native/" + os() + "/" + arch() + "/" + LIBRARY_FILE;
            try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
                if (in == null) {
                    tried.add("classpath resource " + resource + ": not found (this platform is not built;"
                            + " supported: linux/x86_64)");
                } else {
                    Path dir = Files.createTempDirectory("fheml-native-",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    Path file = dir.resolve(LIBRARY_FILE);
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                    file.toFile().deleteOnExit();
                    dir.toFile().deleteOnExit();
                    tryLoad(file, "classpath resource " + resource, tried);
                }
            } catch (IOException e) {
                tried.add("classpath resource " + resource + ": cannot extract (" + e.getMessage() + ")");
            }
        }
        if (!loaded) {
            throw new UnsatisfiedLinkError("cannot load the fhe-ml native engine. Tried:\n  - "
                    + String.join("\n  - ", tried)
                    + "\nBuild it with ./mvnw package (needs rustup's cargo) or set -D" + OVERRIDE_PROPERTY
                    + "=/path/to/" + LIBRARY_FILE);
        }
    }

    private static void tryLoad(Path path, String source, List<String> tried) {
        if (!Files.isRegularFile(path)) {
            tried.add(source + " -> " + path + ": no such file");
            return;
        }
        try {
            System.load(path.toAbsolutePath().toString());
            loaded = true;
        } catch (UnsatisfiedLinkError e) {
            tried.add(source + " -> " + path + ": " + e.getMessage());
        }
    }

    static String os() {
        String name = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return name.contains("linux") ? "linux" : name.replaceAll("[^a-z0-9]", "");
    }

    static String arch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch;
    }
}
