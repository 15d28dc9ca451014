package dev.fheml.training.onnx;

import com.google.protobuf.CodedInputStream;
import dev.fheml.core.SizeLimits;
import dev.fheml.training.onnx.proto.OnnxIr.ModelProto;
import dev.fheml.training.onnx.proto.OnnxIr.OperatorSetIdProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an ONNX model file: size-limited, parsed by the generated protobuf classes, and checked for
 * what this importer understands (operator set versions 13 to 21 of the default domain, any version
 * of {@code ai.onnx.ml}, all tensors inside the file).
 */
public final class OnnxFile {
  /** Largest model file read (the default; ours are a few MB). */
  public static final long DEFAULT_MAX_BYTES = 512L << 20;
  public static final int MIN_OPSET = 13;
  public static final int MAX_OPSET = 21;
  /** The default ONNX operator domain (also written as "ai.onnx"). */
  static final String ONNX_DOMAIN = "";
  static final String ML_DOMAIN = "ai.onnx.ml";

  private OnnxFile() {}

  /** Reads {@code file}, refusing more than {@code maxBytes}. */
  public static ModelProto read(Path file, long maxBytes) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new OnnxImportException("no ONNX model file at " + file);
    }
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new OnnxImportException(file + " is " + size + " bytes, above the limit of " + maxBytes
          + " bytes for an ONNX model");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(SizeLimits.readAtMost(in, maxBytes, file.toString()), file.toString());
    }
  }

  /** Parses and checks the bytes of a model; {@code source} names it in errors. */
  public static ModelProto parse(byte[] bytes, String source) {
    ModelProto model;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(bytes.length);
      model = ModelProto.parseFrom(in);
    } catch (IOException e) { // InvalidProtocolBufferException for bad bytes
      throw new OnnxImportException(source + " is not an ONNX model (protobuf): " + e.getMessage(), e);
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new OnnxImportException(source + " holds no graph: is it an ONNX model file?");
    }
    Map<String, Long> opsets = opsets(model);
    Long onnx = opsets.get(ONNX_DOMAIN);
    if (onnx == null || onnx < MIN_OPSET || onnx > MAX_OPSET) {
      throw new OnnxImportException(source + " uses ONNX operator set " + (onnx == null ? "(none)" : onnx)
          + "; this importer reads opsets " + MIN_OPSET + " to " + MAX_OPSET
          + " (export again with opset_version in that range)");
    }
    for (String domain : opsets.keySet()) {
      if (!domain.equals(ONNX_DOMAIN) && !domain.equals(ML_DOMAIN)) {
        throw new OnnxImportException(source + " imports operator domain '" + domain
            + "'; supported domains: the default ONNX domain and " + ML_DOMAIN);
      }
    }
    return model;
  }

  /** Operator set versions by domain ("ai.onnx" is folded into the default ""). */
  public static Map<String, Long> opsets(ModelProto model) {
    Map<String, Long> out = new TreeMap<>();
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      String domain = o.getDomain().equals("ai.onnx") ? ONNX_DOMAIN : o.getDomain();
      out.put(domain, o.getVersion());
    }
    return out;
  }
}
