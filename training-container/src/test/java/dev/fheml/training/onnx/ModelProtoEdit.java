package dev.fheml.training.onnx;

import java.lang.reflect.Field;

/** Test-only edits of a {@link Graphs} under construction. */
final class ModelProtoEdit {
  private ModelProtoEdit() {}

  /** Sets the default domain's opset version (the builder starts with 17). */
  static void replaceOpset(Graphs g, int version) {
    try {
      Field f = Graphs.class.getDeclaredField("model");
      f.setAccessible(true);
      var model = (dev.fheml.training.onnx.proto.OnnxIr.ModelProto.Builder) f.get(g);
      model.setOpsetImport(0, model.getOpsetImport(0).toBuilder().setVersion(version));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
