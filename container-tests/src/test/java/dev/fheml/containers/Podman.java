package dev.fheml.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the podman CLI the way this machine needs it: the runc runtime (crun fails on the hybrid
 * cgroups here) and explicit ulimits on every {@code run}. Commands are printed with environment
 * values of secret-looking names masked.
 */
final class Podman {
  private static final List<String> BASE = List.of("podman", "--runtime", "runc");
  static final List<String> ULIMITS = List.of("--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096");

  /** What a command did. */
  record Result(int exitCode, String output) {
    Result orFail(String what) {
      if (exitCode != 0) {
        throw new AssertionError(what + " failed with exit code " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private Podman() {}

  /** Fails with what to do when podman is missing (the containers profile needs it). */
  static void requireInstalled() {
    try {
      exec(List.of("podman", "--version"), Duration.ofSeconds(30)).orFail("podman --version");
    } catch (IOException e) {
      throw new AssertionError("podman is required by the containers profile (scripts/build-base-image.sh"
          + " installs it with runc): " + e.getMessage(), e);
    }
  }

  /** {@code podman --runtime runc ARGS}, output (stdout and stderr together) captured. */
  static Result podman(Duration timeout, List<String> args) {
    List<String> command = new ArrayList<>(BASE);
    command.addAll(args);
    try {
      return exec(command, timeout);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
  }

  static Result podman(Duration timeout, String... args) {
    return podman(timeout, List.of(args));
  }

  /** {@code podman run} with the ulimits this machine needs, then {@code args} (options, image, command). */
  static Result run(Duration timeout, List<String> args) {
    List<String> all = new ArrayList<>(List.of("run"));
    all.addAll(ULIMITS);
    all.addAll(args);
    return podman(timeout, all);
  }

  private static Result exec(List<String> command, Duration timeout) throws IOException {
    System.out.println("$ " + String.join(" ", masked(command)));
    Path log = Files.createTempFile("podman-", ".log");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + timeout + ":\n" + Files.readString(log));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static List<String> masked(List<String> command) {
    return command.stream().map(a -> a.matches("(?i)[A-Z_]*(SECRET|PASSWORD|TOKEN)[A-Z_]*=.*")
        ? a.substring(0, a.indexOf('=') + 1) + "***" : a).toList();
  }
}
