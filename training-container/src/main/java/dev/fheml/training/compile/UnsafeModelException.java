package dev.fheml.training.compile;

/** The model cannot be compiled so that every value stays inside its encoding with the required margin. */
public class UnsafeModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnsafeModelException(String message) {
    super(message);
  }
}
