package dev.fheml.training.onnx;

import com.google.protobuf.ByteString;
import dev.fheml.training.onnx.proto.OnnxIr.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Decodes ONNX tensors (initializers, Constant nodes, attributes) into doubles with their shape. */
final class Tensors {
  /** Elements of one tensor: bounds memory whatever a file declares. */
  static final long MAX_ELEMENTS = 1L << 27;

  private Tensors() {}

  /** A constant tensor: row-major values and dims. */
  record Constant(long[] dims, double[] values) {
    long size() {
      return values.length;
    }

    /** The single value of a scalar or one-element tensor. */
    double scalar(String what) {
      if (values.length != 1) {
        throw new OnnxImportException(what + " must hold one value, it holds " + values.length);
      }
      return values[0];
    }

    long[] longs() {
      long[] out = new long[values.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (long) values[i];
      }
      return out;
    }
  }

  /**
   * Decodes a float, double, int32 or int64 tensor from {@code raw_data} or its typed field.
   *
   * @param what names the tensor in errors
   */
  static Constant decode(TensorProto t, String what) {
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
      throw new OnnxImportException(what + " is stored outside the model file (external data); save the model"
          + " with every tensor inside it (onnx.save_model(..., save_as_external_data=False))");
    }
    long[] dims = new long[t.getDimsCount()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      dims[i] = t.getDims(i);
      if (dims[i] < 0) {
        throw new OnnxImportException(what + " has a negative dimension " + dims[i]);
      }
      count = Math.multiplyExact(count, Math.max(dims[i], 1));
      if (dims[i] == 0) {
        count = 0;
      }
      if (count > MAX_ELEMENTS) {
        throw new OnnxImportException(what + " declares more than " + MAX_ELEMENTS + " elements");
      }
    }
    int n = (int) count;
    double[] v = new double[n];
    ByteString raw = t.getRawData();
    TensorProto.DataType type = TensorProto.DataType.forNumber(t.getDataType());
    if (type == null) {
      throw new OnnxImportException(what + " has unknown data type " + t.getDataType());
    }
    Layout layout = switch (type) {
      case FLOAT -> new Layout(4, ByteBuffer::getFloat, t.getFloatDataCount(), k -> t.getFloatData(k));
      case DOUBLE -> new Layout(8, ByteBuffer::getDouble, t.getDoubleDataCount(), t::getDoubleData);
      case INT64 -> new Layout(8, ByteBuffer::getLong, t.getInt64DataCount(), t::getInt64Data);
      case INT32 -> new Layout(4, ByteBuffer::getInt, t.getInt32DataCount(), t::getInt32Data);
      default -> throw new OnnxImportException(what + " has data type " + type
          + "; supported tensor types: FLOAT, DOUBLE, INT32, INT64");
    };
    if (!raw.isEmpty()) {
      ByteBuffer b = buffer(raw, n, layout.width(), what);
      for (int i = 0; i < n; i++) {
        v[i] = layout.raw().read(b);
      }
    } else {
      checkCount(layout.typedCount(), n, what);
      for (int i = 0; i < n; i++) {
        v[i] = layout.typed().applyAsDouble(i);
      }
    }
    for (double x : v) {
      if (!Double.isFinite(x)) {
        throw new OnnxImportException(what + " holds a value that is not finite (" + x + ")");
      }
    }
    return new Constant(dims, v);
  }

  /** How one element type is stored: its raw width and reader, and its typed field. */
  private record Layout(int width, RawReader raw, int typedCount, java.util.function.IntToDoubleFunction typed) {}

  @FunctionalInterface
  private interface RawReader {
    double read(ByteBuffer b);
  }

  private static ByteBuffer buffer(ByteString raw, int n, int width, String what) {
    if (raw.size() != (long) n * width) {
      throw new OnnxImportException(what + " has " + raw.size() + " raw bytes for " + n + " elements of "
          + width + " bytes");
    }
    return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void checkCount(int actual, int expected, String what) {
    if (actual != expected) {
      throw new OnnxImportException(what + " holds " + actual + " values for its shape's " + expected);
    }
  }

  static String shape(long[] dims) {
    return Arrays.toString(dims);
  }
}
