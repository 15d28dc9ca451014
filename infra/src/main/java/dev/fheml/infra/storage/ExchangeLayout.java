package dev.fheml.infra.storage;

/**
 * The prefixes of the exchange bucket (DESIGN §4) and of the artifact and data buckets, named once
 * so that bucket lifecycle rules, IAM statements and {@code policies/} agree.
 */
public final class ExchangeLayout {
  /** {@code keys/<model-id>/<key-id>}: evaluation keys, written once by a client. */
  public static final String KEYS = "keys/";
  /** {@code queries/<client>/<uuid>}: request bodies, the async InputLocation. */
  public static final String QUERIES = "queries/";
  /** Written by SageMaker async inference on success. */
  public static final String RESULTS = "results/";
  /** Written by SageMaker async inference on error. */
  public static final String FAILURES = "failures/";
  /** {@code client/<model-id>/client.zip}: what a client needs, never the weights. */
  public static final String CLIENT = "client/";
  /** In the artifact bucket: {@code models/<training job>/output/model.tar.gz}. */
  public static final String MODELS = "models/";
  /** The object name of the published client artifact. */
  public static final String CLIENT_ZIP = "client.zip";

  private ExchangeLayout() {}
}
