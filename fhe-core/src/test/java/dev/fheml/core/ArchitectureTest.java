package dev.fheml.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.fheml.core");

    @Test
    void noPackageCycles() {
        slices().matching("dev.fheml.core.(**)").should().beFreeOfCycles().allowEmptyShould(true).check(classes);
    }

    @Test
    void theJniBoundaryDependsOnNothingAboveIt() {
        noClasses().that().resideInAPackage("dev.fheml.core.internal")
                .should().dependOnClassesThat().resideInAPackage("dev.fheml.core")
                .check(classes);
    }
}
