package dev.fheml.infra.endpoint;

import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.subscriptions.SqsSubscription;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The queue a client application waits on for async results ({@code FheClient.builder()
 * .notificationQueue(url)}, CLI {@code --notification-queue}): subscribed to the endpoint's success and
 * error topics with the SNS envelope (raw message delivery off), encrypted with the project key, TLS
 * only, with a dead-letter queue that takes both what the receivers never delete and what SNS cannot
 * deliver (the subscriptions' redrive policy).
 *
 * <p>One queue serves one client application: every message is consumed by the one receiver that gets
 * it (the client deletes whatever it receives), so a second application reading the same queue misses
 * notifications and falls back to polling S3. Notifications are hints; S3 holds the results.
 *
 * <p>The project key is referenced here by its ARN on purpose. {@link SqsSubscription} adds a
 * statement for {@code sns.amazonaws.com} to the policy of the queue's key when it can; on the storage
 * stack's key that statement would have no condition (or, with the {@code restrictSqsDescryption}
 * feature flag, make the storage stack import the topic ARNs from this stack: a cycle). A key
 * referenced by ARN has no policy CDK can change, so nothing is added; the scoped statement is written
 * in the storage stack instead ({@code StorageStack}, Sid {@code SnsToClientNotificationQueue}).
 */
public final class NotificationQueue extends Construct {
  /** Receives without a delete before a message moves to the dead-letter queue. */
  public static final int MAX_RECEIVE_COUNT = 5;
  /** SQS's maximum, longer than any allowed retention of the queue itself (see InfraConfig). */
  public static final Duration DEAD_LETTER_RETENTION = Duration.days(14);

  private final Queue queue;
  private final Queue deadLetters;

  /**
   * @param queueName the fixed queue name (the client policy names it without importing it)
   * @param deadLetterQueueName the fixed name of the dead-letter queue (the key policy names it)
   * @param retention how long an unreceived notification is kept; less than {@link
   *     #DEAD_LETTER_RETENTION}
   * @param projectKey the project key; only its ARN is used
   * @param topics the topics whose notifications the queue receives
   */
  public NotificationQueue(Construct scope, String id, String queueName, String deadLetterQueueName,
      Duration retention, IKey projectKey, List<ITopic> topics) {
    super(scope, id);
    Objects.requireNonNull(queueName, "queueName");
    Objects.requireNonNull(deadLetterQueueName, "deadLetterQueueName");
    if (retention.toSeconds().doubleValue() >= DEAD_LETTER_RETENTION.toSeconds().doubleValue()) {
      throw new IllegalArgumentException("notification retention " + retention.toHumanString()
          + " must be shorter than the dead-letter queue's " + DEAD_LETTER_RETENTION.toHumanString());
    }
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("a notification queue needs at least one topic");
    }
    IKey key = Key.fromKeyArn(this, "ProjectKey", projectKey.getKeyArn());
    this.deadLetters = Queue.Builder.create(this, "DeadLetters")
        .queueName(deadLetterQueueName)
        .encryption(QueueEncryption.KMS)
        .encryptionMasterKey(key)
        .enforceSsl(true)
        .retentionPeriod(DEAD_LETTER_RETENTION)
        .build();
    this.queue = Queue.Builder.create(this, "Queue")
        .queueName(queueName)
        .encryption(QueueEncryption.KMS)
        .encryptionMasterKey(key)
        .enforceSsl(true)
        .retentionPeriod(retention)
        .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetters).maxReceiveCount(MAX_RECEIVE_COUNT).build())
        .build();
    for (ITopic topic : topics) {
      topic.addSubscription(SqsSubscription.Builder.create(queue).rawMessageDelivery(false)
          .deadLetterQueue(deadLetters).build());
    }
  }

  public Queue queue() {
    return queue;
  }

  public Queue deadLetters() {
    return deadLetters;
  }
}
