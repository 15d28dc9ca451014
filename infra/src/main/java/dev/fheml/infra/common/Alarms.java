package dev.fheml.infra.common;

import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * The project's alarms: named {@code <prefix>-<what>} (the alarm topic admits CloudWatch only for
 * alarms named so), one evaluation period, missing data is not a breach, and they notify the topic.
 */
public final class Alarms {
  private Alarms() {}

  /** An alarm on {@code metric} {@code op} {@code threshold} that notifies {@code topic}. */
  public static Alarm notifying(Construct scope, String id, InfraConfig config, String what, String description,
      IMetric metric, ComparisonOperator op, double threshold, ITopic topic) {
    Alarm alarm = Alarm.Builder.create(scope, id)
        .alarmName(config.alarmName(what))
        .alarmDescription(description)
        .metric(metric)
        .comparisonOperator(op)
        .threshold(threshold)
        .evaluationPeriods(1)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(new SnsAction(topic));
    return alarm;
  }

  /** An alarm that notifies {@code topic} as soon as {@code metric} is 1 or more. */
  public static Alarm anyOccurrence(Construct scope, String id, InfraConfig config, String what, String description,
      IMetric metric, ITopic topic) {
    return notifying(scope, id, config, what, description, metric,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, topic);
  }
}
