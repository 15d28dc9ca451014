package dev.fheml.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a benchmark ran on (part of every bench JSON). */
record MachineInfo(String cpu, int cores, String java, String os) {
    static MachineInfo describe() {
        return new MachineInfo(cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
