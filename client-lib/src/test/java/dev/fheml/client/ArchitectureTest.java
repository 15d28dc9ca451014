package dev.fheml.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The client is a library: no server, no local stack, no test harness, no logging backend; no cycles. */
@AnalyzeClasses(packages = "dev.fheml.client", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noServerOrHarness = noClasses().that().resideInAPackage("dev.fheml.client..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.fheml.inference..", "dev.fheml.local..",
                    "dev.fheml.training..", "org.eclipse.jetty..", "org.gaul..", "org.elasticmq..", "org.slf4j.simple..",
                    "ch.qos.logback..", "org.junit..");

    @ArchTest
    static final ArchRule noCycles = slices().matching("dev.fheml.(**)").should().beFreeOfCycles();
}
