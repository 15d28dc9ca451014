package dev.fheml.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The contract module is plain Java: other modules import it, it imports nothing of theirs. */
@AnalyzeClasses(packages = "dev.fheml.protocol", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule onlyTheJdk = classes().that().resideInAPackage("dev.fheml.protocol..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.fheml.protocol..", "java..");
}
