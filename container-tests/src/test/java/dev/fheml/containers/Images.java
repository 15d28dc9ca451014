package dev.fheml.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The two images Jib built in this reactor ({@code target/jib-image.tar}), loaded into podman
 * once per JVM and referred to by their image id (Jib's {@code jib-image.id}), so a tag moved by
 * another build cannot substitute another image. Removed again when the JVM exits.
 */
final class Images {
  private static String training;
  private static String inference;

  private Images() {}

  static synchronized String training() {
    if (training == null) {
      training = load("fheml.training.image");
    }
    return training;
  }

  static synchronized String inference() {
    if (inference == null) {
      inference = load("fheml.inference.image");
    }
    return inference;
  }

  private static String load(String property) {
    Podman.requireInstalled();
    Path tar = Path.of(System.getProperty(property, "(system property " + property + " not set)"));
    Path idFile = tar.resolveSibling("jib-image.id");
    if (!Files.isRegularFile(tar) || !Files.isRegularFile(idFile)) {
      throw new AssertionError(tar + " (and jib-image.id next to it) not found: build the images first, e.g."
          + " ./mvnw package -pl training-container,inference-container -am (the containers profile is active"
          + " when ~/.cache/fhe-ml/base/bookworm-jre17.tar exists)");
    }
    Podman.podman(Duration.ofMinutes(5), "load", "--quiet", "--input", tar.toString()).orFail("podman load " + tar);
    String id;
    try {
      id = Files.readString(idFile).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Podman.podman(Duration.ofMinutes(1), "rmi", id)));
    return id;
  }
}
