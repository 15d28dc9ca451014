package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.access.PolicyTemplate.Placeholder;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** docs/infrastructure.md lists every context key with its default and every placeholder. */
class DocsTest {
  private static String doc() throws IOException {
    return Files.readString(TestApps.repoRoot().resolve("docs/infrastructure.md"));
  }

  @Test
  void everyContextKeyIsDocumentedWithItsDefault() throws IOException {
    String doc = doc();
    for (InfraConfig.Key key : InfraConfig.Key.values()) {
      String row = "| `" + key.contextKey() + "` | "
          + (key.defaultValue().isEmpty() ? "(empty)" : "`" + key.defaultValue() + "`") + " |";
      assertTrue(doc.contains(row), "docs/infrastructure.md lacks the row " + row);
    }
  }

  @Test
  void everyPlaceholderIsDocumented() throws IOException {
    String doc = doc();
    for (Placeholder p : Placeholder.values()) {
      assertTrue(doc.contains("| `{{" + p.name() + "}}` |"), "docs/infrastructure.md lacks {{" + p + "}}");
    }
  }
}
