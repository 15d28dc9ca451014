package dev.fheml.infra.app;

import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.NagReview;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * The CDK app: {@code npx cdk synth} runs this through {@code cdk.json}.
 *
 * <p>Synthesizes the four stacks with the three cdk-nag packs, then exits with status 1 and lists
 * every finding that has no acknowledgement, so that {@code cdk synth} fails on warnings as well as
 * errors. Needs no AWS credentials: the stacks are environment-agnostic unless {@code
 * CDK_DEFAULT_ACCOUNT} and {@code CDK_DEFAULT_REGION} are set.
 */
public final class FheMlApp {
  private FheMlApp() {}

  public static void main(String[] args) {
    App app = newApp();
    FheMlStacks.create(app, InfraConfig.fromContext(app.getNode()));
    CloudAssembly assembly = app.synth();
    List<String> findings = NagReview.unacknowledged(assembly);
    if (!findings.isEmpty()) {
      System.err.println(findings.size() + " unacknowledged cdk-nag finding(s); fix the resource or"
          + " acknowledge the finding with NagReview.acknowledge and a reason:");
      findings.forEach(f -> System.err.println("  " + f));
      System.exit(1);
    }
  }

  /**
   * An App with this project's feature flags. Outside the CDK CLI (no {@code CDK_OUTDIR}) the
   * assembly goes to {@code cdk.out}.
   */
  public static App newApp() {
    AppProps.Builder props = AppProps.builder().context(FeatureFlags.VALUES);
    if (System.getenv("CDK_OUTDIR") == null) {
      props.outdir("cdk.out");
    }
    return new App(props.build());
  }
}
