package dev.fheml.infra;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** app → stacks → common: no package cycles, and the helpers know no stack. */
class ArchitectureTest {
  private static final String APP = "dev.fheml.infra.app..";
  private static final String COMMON = "dev.fheml.infra.common..";
  private static final String STORAGE = "dev.fheml.infra.storage..";
  private static final String[] STACKS = {
      STORAGE, "dev.fheml.infra.training..", "dev.fheml.infra.endpoint..", "dev.fheml.infra.access.."};

  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.fheml.infra");

  @Test
  void noPackageCycles() {
    slices().matching("dev.fheml.infra.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void commonDependsOnNoStackAndNotOnTheApp() {
    noClasses().that().resideInAPackage(COMMON)
        .should().dependOnClassesThat().resideInAnyPackage(APP, STACKS[0], STACKS[1], STACKS[2], STACKS[3])
        .check(classes);
  }

  @Test
  void stacksDoNotDependOnTheApp() {
    noClasses().that().resideInAnyPackage(STACKS).should().dependOnClassesThat().resideInAPackage(APP)
        .check(classes);
  }

  @Test
  void stacksShareOnlyTheStorageTypes() {
    for (String stack : STACKS) {
      if (stack.equals(STORAGE)) {
        continue;
      }
      for (String other : STACKS) {
        if (!other.equals(stack) && !other.equals(STORAGE)) {
          noClasses().that().resideInAPackage(stack).should().dependOnClassesThat().resideInAPackage(other)
              .check(classes);
        }
      }
    }
    noClasses().that().resideInAPackage(STORAGE).should().dependOnClassesThat()
        .resideInAnyPackage(STACKS[1], STACKS[2], STACKS[3]).check(classes);
  }
}
