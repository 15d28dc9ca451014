package dev.fheml.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No module types a string of the cross-process contract: every bucket prefix, environment variable,
 * artifact name, manifest field, hosting path and error code is spelled in this module only. Scans
 * the string literals of every other module's main sources (Java and the Python publish function;
 * comments and docstrings are prose and skipped). A literal equal to a contract value fails; so does
 * one that holds a distinctive value (one with {@code / . _}, or an upper-case variable name) as a
 * token, unless the literal is prose (it contains white space: a message or a description). The
 * manifest's kinds and the channel names of {@link TrainingChannels} are common words and left out. Tests may re-type a
 * value on purpose: an independent spelling is what makes a wire-format test fail when the
 * constant changes.
 */
class ContractLiteralsTest {
    private static final List<Class<?>> CONTRACT = List.of(ExchangeLayout.class, ArtifactNames.class,
            ContainerEnvironment.class, HostingContract.class, Manifest.class);
    /** A literal that contains a distinctive value as a token, e.g. "/client.zip" or "keys/". */
    private static final Pattern DISTINCTIVE = Pattern.compile(".*[/._].*|[A-Z][A-Z0-9_]+");
    private static final Pattern JAVA_STRING = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern PY_STRING = Pattern.compile("(?:\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')");

    static Path repoRoot() {
        String root = System.getProperty("fheml.repo.root");
        return Path.of(root != null ? root : "..").toAbsolutePath().normalize();
    }

    /** Every value of the contract: the constants' values and the error codes' wire names. */
    static Set<String> contractValues() throws IllegalAccessException {
        Set<String> values = new LinkedHashSet<>();
        for (Class<?> c : CONTRACT) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isPublic(m) && Modifier.isStatic(m) && f.getType() == String.class) {
                    values.add((String) f.get(null));
                }
            }
        }
        for (ErrorCode e : ErrorCode.values()) {
            values.add(e.code());
        }
        values.remove("s3://"); // a URI scheme, not ours
        // The manifest's kinds are common words ("a client", a thread named "server"): checked by
        // ModelArtifacts' own tests instead.
        values.remove(Manifest.SERVER);
        values.remove(Manifest.CLIENT);
        return values;
    }

    @Test
    void theContractHasTheValuesTheOtherModulesUsed() throws Exception {
        Set<String> values = contractValues();
        for (String v : List.of("keys/", "queries/", "results/", "failures/", "client/", "server.zip", "client.zip",
                "manifest.json", "FHEML_KEY_BUCKET", "SAGEMAKER_BIND_TO_PORT", "modelId", "busy", "/invocations")) {
            assertTrue(values.contains(v), v);
        }
    }

    @Test
    void noOtherModuleTypesAContractString() throws Exception {
        Set<String> values = contractValues();
        Path root = repoRoot();
        assertTrue(Files.isRegularFile(root.resolve("pom.xml")), "repository root not found at " + root);
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(ContractLiteralsTest::isScanned).toList()) {
                files++;
                String name = p.getFileName().toString();
                String code = name.endsWith(".py") ? stripPython(Files.readString(p)) : stripJava(Files.readString(p));
                Matcher m = (name.endsWith(".py") ? PY_STRING : JAVA_STRING).matcher(code);
                while (m.find()) {
                    String literal = m.group().substring(1, m.group().length() - 1);
                    for (String v : values) {
                        if (matches(literal, v)) {
                            found.add(root.relativize(p) + ": \"" + literal + "\" spells the contract value \"" + v
                                    + "\"; use the constant from dev.fheml.protocol");
                        }
                    }
                }
            }
        }
        assertTrue(files > 50, "scanned only " + files + " files under " + root);
        assertEquals(List.of(), found);
    }

    @Test
    void theScanFindsAContractStringWhereItIsTyped() throws Exception {
        Set<String> values = contractValues();
        String code = stripJava("// keys/ in a comment is fine\nString k = \"keys/\" + m; String z = \"/server.zip\";"
                + " String e = \"busy\"; String ok = \"the server is busy\"; String m = \"read server.zip first\";");
        Matcher m = JAVA_STRING.matcher(code);
        List<String> hits = new ArrayList<>();
        while (m.find()) {
            String literal = m.group().substring(1, m.group().length() - 1);
            values.stream().filter(v -> matches(literal, v)).forEach(hits::add);
        }
        assertEquals(List.of("keys/", "server.zip", "busy"), hits);
    }

    static boolean matches(String literal, String value) {
        if (literal.equals(value)) {
            return true;
        }
        if (!DISTINCTIVE.matcher(value).matches() || literal.chars().anyMatch(Character::isWhitespace)) {
            return false;
        }
        for (int at = literal.indexOf(value); at >= 0; at = literal.indexOf(value, at + 1)) {
            boolean startOk = at == 0 || !isWordChar(literal.charAt(at - 1));
            int end = at + value.length();
            boolean endOk = end == literal.length() || !isWordChar(literal.charAt(end)) || value.endsWith("/");
            if (startOk && endOk) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isScanned(Path p) {
        String s = p.toString().replace('\\', '/');
        if (!(s.endsWith(".java") || s.endsWith(".py")) || !s.contains("/src/main/")) {
            return false;
        }
        Path rel = repoRoot().relativize(p.toAbsolutePath().normalize());
        String module = rel.getName(0).toString();
        return !module.equals("protocol") && !s.contains("/target/") && !s.contains("/node_modules/");
    }

    /** Java source without comments (string literals kept). */
    static String stripJava(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '"' && src.startsWith("\"\"\"", i)) { // text block: prose, skipped
                int end = src.indexOf("\"\"\"", i + 3);
                i = end < 0 ? src.length() : end + 3;
            } else if (c == '"') {
                int j = i + 1;
                while (j < src.length() && src.charAt(j) != '"' && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(src, i, Math.min(j + 1, src.length()));
                i = j + 1;
            } else if (c == '\'' ) {
                int j = i + 1;
                while (j < src.length() && src.charAt(j) != '\'' && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
            } else if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? src.length() : end;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                i = end < 0 ? src.length() : end + 2;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Python source without comments and docstrings. */
    static String stripPython(String src) {
        String noDocs = src.replaceAll("(?s)\"\"\".*?\"\"\"|'''.*?'''", "");
        StringBuilder out = new StringBuilder();
        for (String line : noDocs.split("\n", -1)) {
            int hash = line.indexOf('#');
            out.append(hash >= 0 && !inString(line, hash) ? line.substring(0, hash) : line).append('\n');
        }
        return out.toString();
    }

    private static boolean inString(String line, int at) {
        int quotes = 0;
        for (int i = 0; i < at; i++) {
            if (line.charAt(i) == '"' || line.charAt(i) == '\'') {
                quotes++;
            }
        }
        return quotes % 2 == 1;
    }
}
