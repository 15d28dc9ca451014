package dev.fheml.training.job;

/**
 * The training job cannot run as asked: a bad hyperparameter, a missing or unknown channel, or data
 * that does not fit the model. The message is the one-line failure reason SageMaker shows, so it
 * names the hyperparameter, channel or file and says what would be accepted.
 */
public final class TrainingJobException extends Exception {
  private static final long serialVersionUID = 1L;

  public TrainingJobException(String message) {
    super(message);
  }

  public TrainingJobException(String message, Throwable cause) {
    super(message, cause);
  }
}
