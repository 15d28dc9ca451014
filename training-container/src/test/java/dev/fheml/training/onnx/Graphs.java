package dev.fheml.training.onnx;

import com.google.protobuf.ByteString;
import dev.fheml.training.onnx.proto.OnnxIr.AttributeProto;
import dev.fheml.training.onnx.proto.OnnxIr.GraphProto;
import dev.fheml.training.onnx.proto.OnnxIr.ModelProto;
import dev.fheml.training.onnx.proto.OnnxIr.NodeProto;
import dev.fheml.training.onnx.proto.OnnxIr.OperatorSetIdProto;
import dev.fheml.training.onnx.proto.OnnxIr.TensorProto;
import dev.fheml.training.onnx.proto.OnnxIr.TensorShapeProto;
import dev.fheml.training.onnx.proto.OnnxIr.TypeProto;
import dev.fheml.training.onnx.proto.OnnxIr.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Builds small ONNX models in tests, as an exporter would write them. */
final class Graphs {
  private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
  private final ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(8).setProducerName("fhe-ml tests");
  private int nodes;
  boolean floatData;

  /** A graph whose one float input has shape {@code [batch, dims...]}. */
  Graphs(String input, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    graph.addInput(ValueInfoProto.newBuilder().setName(input).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
    opset("", 17);
  }

  Graphs opset(String domain, long version) {
    model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version));
    return this;
  }

  /** A float initializer (raw_data, or float_data when {@link #floatData}). */
  Graphs init(String name, double[] values, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      t.addDims(d);
    }
    if (floatData) {
      for (double v : values) {
        t.addFloatData((float) v);
      }
    } else {
      ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (double v : values) {
        b.putFloat((float) v);
      }
      t.setRawData(ByteString.copyFrom(b.array()));
    }
    graph.addInitializer(t);
    return this;
  }

  /** An int64 initializer (shapes). */
  Graphs ints(String name, long... values) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return this;
  }

  /** A node; {@code attributes} are built with {@link #i}, {@link #f}, {@link #is}, {@link #s}, {@link #fs}. */
  Graphs node(String op, String[] inputs, String[] outputs, AttributeProto... attributes) {
    return node("", op, inputs, outputs, attributes);
  }

  Graphs node(String domain, String op, String[] inputs, String[] outputs, AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_" + nodes++).setDomain(domain);
    for (String in : inputs) {
      n.addInput(in);
    }
    for (String out : outputs) {
      n.addOutput(out);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return this;
  }

  Graphs output(String name) {
    graph.addOutput(ValueInfoProto.newBuilder().setName(name));
    return this;
  }

  ModelProto build() {
    return model.setGraph(graph).build();
  }

  byte[] bytes() {
    return build().toByteArray();
  }

  static String[] in(String... names) {
    return names;
  }

  static AttributeProto i(String name, long v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
  }

  static AttributeProto f(String name, double v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) v).build();
  }

  static AttributeProto is(String name, long... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  static AttributeProto fs(String name, double... v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
    for (double x : v) {
      a.addFloats((float) x);
    }
    return a.build();
  }

  static AttributeProto s(String name, String v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build();
  }

  /** Values with a float's precision, so that the tests' references compute on what the file stores. */
  static double[] random(SplittableRandom r, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  static ImportedNetwork load(Graphs g) {
    return OnnxImporter.importModel(OnnxFile.parse(g.bytes(), "test.onnx"), "test.onnx", null);
  }
}
