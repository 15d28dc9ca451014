package dev.fheml.training;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Package layering: data <- model <- quant <- train <- compile <- pipeline <- job <- (root: the
 * command line; sagemaker: the training image's entry point).
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.fheml.training");

  @Test
  void noPackageCycles() {
    slices().matching("dev.fheml.training.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void dataDependsOnNothingElse() {
    noClasses().that().resideInAPackage("..training.data..").should().dependOnClassesThat()
        .resideInAnyPackage("..training.model..", "..training.quant..", "..training.train..")
        .check(CLASSES);
  }

  @Test
  void modelAndQuantDoNotDependOnTraining() {
    noClasses().that().resideInAnyPackage("..training.model..", "..training.quant..")
        .should().dependOnClassesThat().resideInAPackage("..training.train..").check(CLASSES);
    noClasses().that().resideInAPackage("..training.model..").should().dependOnClassesThat()
        .resideInAPackage("..training.quant..").check(CLASSES);
  }

  @Test
  void libraryPackagesDoNotUseTheCommandLine() {
    noClasses().that().resideInAnyPackage("..training.data..", "..training.model..",
        "..training.quant..", "..training.train..").should().dependOnClassesThat()
        .resideInAPackage("picocli..").check(CLASSES);
  }

  @Test
  void libraryPackagesDoNotDependOnTheSageMakerContract() {
    noClasses().that().resideInAnyPackage("..training.data..", "..training.model..", "..training.quant..",
        "..training.train..", "..training.compile..", "..training.pipeline..", "..training.job..")
        .should().dependOnClassesThat().resideInAPackage("..training.sagemaker..").check(CLASSES);
  }

  @Test
  void thePipelineDoesNotKnowAboutJobs() {
    noClasses().that().resideInAnyPackage("..training.data..", "..training.model..", "..training.quant..",
        "..training.train..", "..training.compile..", "..training.pipeline..").should().dependOnClassesThat()
        .resideInAPackage("..training.job..").check(CLASSES);
  }
}
