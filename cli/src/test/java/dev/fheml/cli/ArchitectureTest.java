package dev.fheml.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The command line sits on top: nothing below imports it, and no package cycle runs through it. */
@AnalyzeClasses(packages = "dev.fheml", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule nothingBelowUsesTheCommandLine = noClasses().that().resideOutsideOfPackage("dev.fheml.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.fheml.cli..");

    @ArchTest
    static final ArchRule noCycles = slices().matching("dev.fheml.(**)").should().beFreeOfCycles();
}
