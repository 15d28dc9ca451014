package dev.fheml.inference;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The server depends on the engine and the contract, never on the client, the local stack or training. */
@AnalyzeClasses(packages = "dev.fheml.inference", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule serverOnly = noClasses().that().resideInAPackage("dev.fheml.inference..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.fheml.client..", "dev.fheml.local..",
                    "dev.fheml.training..", "dev.fheml.cli..");

    @ArchTest
    static final ArchRule noCycles = slices().matching("dev.fheml.(**)").should().beFreeOfCycles();
}
