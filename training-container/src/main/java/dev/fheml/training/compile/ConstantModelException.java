package dev.fheml.training.compile;

/**
 * The model gives one answer for every input: each output's accumulator is the same on all the
 * calibration data, so there is no decision left to protect from noise. Usually a training that did
 * not learn (every hidden unit dead); refused rather than shipped as a model that always says one class.
 */
public final class ConstantModelException extends UnsafeModelException {
  private static final long serialVersionUID = 1L;

  public ConstantModelException(String message) {
    super(message);
  }
}
