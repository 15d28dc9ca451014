package dev.fheml.infra.common;

import static java.util.Map.entry;

import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/** The project's CloudWatch log groups: named, KMS-encrypted, with a retention. */
public final class Logs {
  /** The retentions CloudWatch Logs accepts, by day count. */
  public static final Map<Integer, RetentionDays> RETENTION = new TreeMap<>(Map.ofEntries(
      entry(1, RetentionDays.ONE_DAY), entry(3, RetentionDays.THREE_DAYS), entry(5, RetentionDays.FIVE_DAYS),
      entry(7, RetentionDays.ONE_WEEK), entry(14, RetentionDays.TWO_WEEKS), entry(30, RetentionDays.ONE_MONTH),
      entry(60, RetentionDays.TWO_MONTHS), entry(90, RetentionDays.THREE_MONTHS),
      entry(120, RetentionDays.FOUR_MONTHS), entry(150, RetentionDays.FIVE_MONTHS),
      entry(180, RetentionDays.SIX_MONTHS), entry(365, RetentionDays.ONE_YEAR),
      entry(400, RetentionDays.THIRTEEN_MONTHS), entry(545, RetentionDays.EIGHTEEN_MONTHS),
      entry(731, RetentionDays.TWO_YEARS), entry(1096, RetentionDays.THREE_YEARS),
      entry(1827, RetentionDays.FIVE_YEARS), entry(2192, RetentionDays.SIX_YEARS),
      entry(2557, RetentionDays.SEVEN_YEARS), entry(2922, RetentionDays.EIGHT_YEARS),
      entry(3288, RetentionDays.NINE_YEARS), entry(3653, RetentionDays.TEN_YEARS)));

  private Logs() {}

  /**
   * A log group encrypted with {@code key}; the key policy lets CloudWatch Logs use the key only for
   * the names in {@link LogGroupNames}, so {@code name} must be one of them.
   */
  public static LogGroup logGroup(Construct scope, String id, String name, InfraConfig config, IKey key) {
    return LogGroup.Builder.create(scope, id)
        .logGroupName(name)
        .encryptionKey(key)
        .retention(RETENTION.get(config.logRetentionDays()))
        .removalPolicy(config.removalPolicy())
        .build();
  }
}
