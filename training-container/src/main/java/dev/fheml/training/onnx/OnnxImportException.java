package dev.fheml.training.onnx;

/**
 * An ONNX model that cannot be imported: unreadable bytes, an unsupported operator, opset or graph
 * shape. The message names the node, the operator and what is supported, so the model's owner knows
 * what to change in the export.
 */
public final class OnnxImportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OnnxImportException(String message) {
    super(message);
  }

  public OnnxImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
