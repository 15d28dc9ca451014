package dev.fheml.training.onnx;

import dev.fheml.training.onnx.proto.OnnxIr.AttributeProto;
import dev.fheml.training.onnx.proto.OnnxIr.GraphProto;
import dev.fheml.training.onnx.proto.OnnxIr.ModelProto;
import dev.fheml.training.onnx.proto.OnnxIr.NodeProto;
import dev.fheml.training.onnx.proto.OnnxIr.TensorProto;
import dev.fheml.training.onnx.proto.OnnxIr.TensorShapeProto;
import dev.fheml.training.onnx.proto.OnnxIr.ValueInfoProto;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reduces an ONNX graph to an {@link ImportedNetwork}. The graph must be a chain from its one input
 * to the class scores: affine operators (Gemm, MatMul, Add/Sub/Mul/Div with a constant, Conv,
 * AveragePool, GlobalAveragePool, BatchNormalization, scikit-learn's Scaler and LinearClassifier)
 * are composed into one affine map until a Relu; Flatten/Reshape change only the shape; Identity
 * and Dropout are removed; Softmax, LogSoftmax, Sigmoid and ArgMax at the output are dropped (the
 * client takes the argmax of the scores), and what hangs off them (labels, ZipMap) is ignored.
 * Anything else is refused with an {@link OnnxImportException} naming the node, the operator and
 * what is supported.
 */
public final class OnnxImporter {
  /** The operators this importer understands, for error messages. */
  public static final List<String> SUPPORTED = List.of("Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu",
      "Flatten", "Reshape", "Conv (2-D, groups = 1)", "AveragePool", "GlobalAveragePool", "BatchNormalization",
      "Identity", "Dropout", "Cast (to float)", "Constant", "Softmax/LogSoftmax/Sigmoid/ArgMax at the output",
      "ai.onnx.ml Scaler", "ai.onnx.ml LinearClassifier");
  private static final Set<String> OUTPUT_TRANSFORMS = Set.of("Softmax", "LogSoftmax", "Sigmoid", "ArgMax");

  private final String source;
  private final GraphProto graph;
  private final Map<String, TensorProto> initializers = new HashMap<>();
  private final Map<String, Tensors.Constant> constants = new HashMap<>();
  /** Tensors that hang off the scores (probabilities, labels): never computed on. */
  private final Set<String> decoration = new HashSet<>();
  private final List<AffineMap> layers = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private String current;
  private int[] shape;
  private AffineMap pending;
  private String scores;
  private boolean sigmoidScores;
  private List<String> classNames;

  private OnnxImporter(String source, GraphProto graph) {
    this.source = source;
    this.graph = graph;
  }

  /**
   * @param inputShape the input's shape without the batch dimension when the graph does not declare
   *                   it (e.g. {@code [1, 28, 28]}), or {@code null} to take it from the graph
   * @throws OnnxImportException naming what cannot be imported
   */
  public static ImportedNetwork importModel(ModelProto model, String source, int[] inputShape) {
    return new OnnxImporter(source, model.getGraph()).run(inputShape);
  }

  private ImportedNetwork run(int[] givenShape) {
    for (TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
    }
    ValueInfoProto input = theInput();
    current = input.getName();
    shape = givenShape != null ? givenShape.clone() : declaredShape(input);
    int[] inputShape = shape.clone();
    log.add("input '" + current + "': " + Arrays.toString(shape) + " per example");
    for (NodeProto node : graph.getNodeList()) {
      step(node);
    }
    if (scores == null) {
      finish(current, "the graph output");
    }
    for (ValueInfoProto out : graph.getOutputList()) {
      if (!out.getName().equals(scores) && !decoration.contains(out.getName())) {
        throw new OnnxImportException(source + ": graph output '" + out.getName() + "' is not computed from the class"
            + " scores; only single-output classifiers are supported");
      }
    }
    return new ImportedNetwork(source, inputShape, layers, classNames(), log);
  }

  private ValueInfoProto theInput() {
    List<ValueInfoProto> inputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getInputList()) {
      if (!initializers.containsKey(v.getName())) {
        inputs.add(v);
      }
    }
    if (inputs.size() != 1) {
      throw new OnnxImportException(source + ": the graph has " + inputs.size() + " inputs "
          + inputs.stream().map(ValueInfoProto::getName).toList() + "; a model with exactly one input is supported");
    }
    int type = inputs.get(0).getType().getTensorType().getElemType();
    if (type != TensorProto.DataType.FLOAT_VALUE && type != TensorProto.DataType.DOUBLE_VALUE) {
      throw new OnnxImportException(source + ": input '" + inputs.get(0).getName() + "' has element type " + type
          + "; a float (or double) tensor input is supported");
    }
    return inputs.get(0);
  }

  private int[] declaredShape(ValueInfoProto input) {
    List<TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
    if (dims.size() < 2) {
      throw new OnnxImportException(source + ": input '" + input.getName() + "' declares no [batch, ...] shape; give"
          + " it with -p input_shape=C,H,W or -p input_shape=F");
    }
    int[] out = new int[dims.size() - 1];
    for (int i = 1; i < dims.size(); i++) {
      if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() < 1) {
        throw new OnnxImportException(source + ": input '" + input.getName() + "' has a symbolic dimension "
            + i + " ('" + dims.get(i).getDimParam() + "'); give the shape with -p input_shape=...");
      }
      out[i - 1] = Math.toIntExact(dims.get(i).getDimValue());
    }
    return out;
  }

  private void step(NodeProto node) {
    String op = node.getOpType();
    String where = "node '" + node.getName() + "' (" + op + ")";
    if (op.equals("Constant")) {
      constants.put(node.getOutput(0), constantAttribute(node, where));
      return;
    }
    List<String> computed = new ArrayList<>();
    boolean decorated = false;
    for (String in : node.getInputList()) {
      if (in.isEmpty() || isConstant(in)) {
        continue;
      }
      if (decoration.contains(in)) {
        decorated = true;
      } else {
        computed.add(in);
      }
    }
    if (decorated || (scores != null && computed.contains(scores) && OUTPUT_TRANSFORMS.contains(op))) {
      decorate(node, where);
      return;
    }
    if (computed.isEmpty()) {
      if (op.equals("Identity")) {
        constants.put(node.getOutput(0), constant(node.getInput(0), where));
        return;
      }
      throw new OnnxImportException(source + ": " + where + " computes on constants only; fold it in the export"
          + " (do_constant_folding=True) — supported operators: " + SUPPORTED);
    }
    if (new LinkedHashSet<>(computed).size() > 1) {
      throw new OnnxImportException(source + ": " + where + " combines the computed tensors " + computed
          + "; only a chain of layers is supported (no residual connections or concatenations)");
    }
    String in = computed.get(0);
    if (scores != null && in.equals(scores)) {
      throw new OnnxImportException(source + ": " + where + " computes on the class scores after the output"
          + " transform; the scores must be the network's last computed value");
    }
    if (!in.equals(current)) {
      throw new OnnxImportException(source + ": " + where + " reads '" + in + "', but the network's current value is '"
          + current + "'; only a chain of layers is supported (no branches)");
    }
    String domain = node.getDomain().equals("ai.onnx") ? OnnxFile.ONNX_DOMAIN : node.getDomain();
    if (domain.equals(OnnxFile.ML_DOMAIN)) {
      mlOperator(node, op, where);
      return;
    }
    if (!domain.equals(OnnxFile.ONNX_DOMAIN)) {
      throw new OnnxImportException(source + ": " + where + " is in domain '" + domain + "'; supported: " + SUPPORTED);
    }
    switch (op) {
      case "Identity" -> alias(node, "removed");
      case "Cast" -> {
        long to = intAttribute(node, "to", 0);
        if (to != TensorProto.DataType.FLOAT_VALUE && to != TensorProto.DataType.DOUBLE_VALUE) {
          throw new OnnxImportException(source + ": " + where + " casts the activation to type " + to
              + "; only casts to float or double (no-ops here) are supported");
        }
        alias(node, "removed (a cast to floating point)");
      }
      case "Dropout" -> {
        if (node.getInputCount() >= 3 && !node.getInput(2).isEmpty() && constant(node.getInput(2), where).scalar(where) != 0) {
          throw new OnnxImportException(source + ": " + where + " is in training mode; export the model in eval mode");
        }
        alias(node, "removed (inference)");
      }
      case "Relu" -> relu(node, where);
      case "Flatten" -> flatten(node, where);
      case "Reshape" -> reshape(node, where);
      case "Gemm" -> gemm(node, where);
      case "MatMul" -> matMul(node, where);
      case "Add", "Sub", "Mul", "Div" -> arithmetic(node, op, where);
      case "Conv" -> conv(node, where);
      case "AveragePool" -> averagePool(node, where, false);
      case "GlobalAveragePool" -> averagePool(node, where, true);
      case "BatchNormalization" -> batchNorm(node, where);
      case "Softmax", "LogSoftmax", "Sigmoid" -> {
        finish(current, where);
        sigmoidScores = op.equals("Sigmoid");
        decorate(node, where);
      }
      case "ArgMax" -> {
        finish(current, where);
        decorate(node, where);
      }
      case "MaxPool" -> throw new OnnxImportException(source + ": " + where + ": max pooling is not linear, so it would"
          + " cost a comparison circuit per window; use AveragePool. Supported operators: " + SUPPORTED);
      default -> throw new OnnxImportException(source + ": unsupported operator " + op + " at " + where
          + "; supported operators: " + SUPPORTED);
    }
  }

  // ------------------------------------------------------------------ chain bookkeeping

  private void alias(NodeProto node, String what) {
    current = node.getOutput(0);
    log.add(node.getOpType() + " '" + node.getName() + "': " + what);
  }

  private void apply(NodeProto node, LinearOps.Op op, String what) {
    pending = pending == null ? AffineMap.of(op.rows()) : pending.then(op.rows());
    int[] before = shape;
    shape = op.shape();
    current = node.getOutput(0);
    log.add(node.getOpType() + " '" + node.getName() + "': " + Arrays.toString(before) + " -> " + Arrays.toString(shape)
        + ", " + what + " (folded into layer " + (layers.size() + 1) + ")");
  }

  private void relu(NodeProto node, String where) {
    if (pending == null) {
      throw new OnnxImportException(source + ": " + where + " follows " + (layers.isEmpty() ? "the input" : "a ReLU")
          + " with no linear layer in between; a ReLU must follow a linear layer");
    }
    layers.add(pending);
    pending = null;
    current = node.getOutput(0);
    log.add("Relu '" + node.getName() + "': " + LinearOps.size(shape) + " activations (one bootstrap each) after layer "
        + layers.size());
  }

  /** The scores are {@code tensor}: closes the last layer. */
  private void finish(String tensor, String where) {
    if (pending == null) {
      throw new OnnxImportException(source + ": the network ends " + (layers.isEmpty() ? "without a linear layer"
          : "with a ReLU") + " at " + where + "; the class scores must come from a linear layer");
    }
    if (LinearOps.size(shape) != pending.outputs) {
      throw new AssertionError("shape and map disagree");
    }
    layers.add(pending);
    pending = null;
    scores = tensor;
    log.add("class scores: '" + tensor + "', " + LinearOps.size(shape) + " values (layer " + layers.size() + ")");
  }

  private void decorate(NodeProto node, String where) {
    for (String out : node.getOutputList()) {
      decoration.add(out);
    }
    if (node.getOpType().equals("ArrayFeatureExtractor") && node.getInputCount() == 2 && isConstant(node.getInput(0))) {
      classNames = labels(initializerOrConstant(node.getInput(0)), where);
    }
    log.add(node.getOpType() + " '" + node.getName() + "': dropped (output decoration: the client takes the argmax"
        + " of the scores)");
  }

  private List<String> classNames() {
    int outputs = layers.get(layers.size() - 1).outputs;
    if (outputs == 1) {
      // One score (binary logistic output): class 1 when it is positive. Two scores [0, z] keep the argmax.
      AffineMap last = layers.remove(layers.size() - 1);
      double[] w = new double[2 * last.inputs];
      System.arraycopy(last.weights, 0, w, last.inputs, last.inputs);
      layers.add(new AffineMap(last.inputs, 2, w, new double[] {0, last.bias[0]}));
      log.add("one score" + (sigmoidScores ? " (sigmoid)" : "") + ": binary classifier, scores [0, z]");
      outputs = 2;
    }
    if (classNames != null && classNames.size() == outputs) {
      return classNames;
    }
    if (classNames != null) {
      log.add(classNames.size() + " class labels for " + outputs + " scores: labels replaced by indices");
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < outputs; k++) {
      names.add(Integer.toString(k));
    }
    return names;
  }

  // ------------------------------------------------------------------ operators

  private void flatten(NodeProto node, String where) {
    long axis = intAttribute(node, "axis", 1);
    if (axis != 1 && axis != 1 - (shape.length + 1)) {
      throw new OnnxImportException(source + ": " + where + " flattens at axis " + axis + "; only axis 1 (keep the"
          + " batch dimension) is supported");
    }
    int[] before = shape;
    shape = new int[] {LinearOps.size(shape)};
    current = node.getOutput(0);
    log.add("Flatten '" + node.getName() + "': " + Arrays.toString(before) + " -> " + Arrays.toString(shape));
  }

  private void reshape(NodeProto node, String where) {
    long[] target = constant(node.getInput(1), where).longs();
    boolean allowZero = intAttribute(node, "allowzero", 0) != 0;
    int size = LinearOps.size(shape);
    long[] full = new long[shape.length + 1];
    full[0] = 1; // one example
    for (int i = 0; i < shape.length; i++) {
      full[i + 1] = shape[i];
    }
    long known = 1;
    int free = -1;
    long[] out = target.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] == 0 && !allowZero) {
        if (i >= full.length) {
          throw new OnnxImportException(source + ": " + where + " copies dimension " + i + " which the input lacks");
        }
        out[i] = full[i];
      }
      if (out[i] == -1) {
        if (free >= 0) {
          throw new OnnxImportException(source + ": " + where + " has two -1 dimensions");
        }
        free = i;
      } else {
        known *= out[i];
      }
    }
    if (free >= 0) {
      out[free] = known == 0 ? 0 : size / known;
    }
    if (out.length < 2 || out[0] != 1 || Arrays.stream(out).reduce(1, (a, b) -> a * b) != size) {
      throw new OnnxImportException(source + ": " + where + " reshapes " + Arrays.toString(shape) + " to "
          + Arrays.toString(target) + "; only reshapes that keep the batch dimension first are supported");
    }
    int[] before = shape;
    shape = new int[out.length - 1];
    for (int i = 1; i < out.length; i++) {
      shape[i - 1] = Math.toIntExact(out[i]);
    }
    current = node.getOutput(0);
    log.add("Reshape '" + node.getName() + "': " + Arrays.toString(before) + " -> " + Arrays.toString(shape));
  }

  private void gemm(NodeProto node, String where) {
    if (!node.getInput(0).equals(current)) {
      throw new OnnxImportException(source + ": " + where + " multiplies a constant by the activation; the activation"
          + " must be the first operand (A)");
    }
    if (intAttribute(node, "transA", 0) != 0) {
      throw new OnnxImportException(source + ": " + where + " transposes the activation (transA = 1); not supported");
    }
    requireVector(where);
    double alpha = floatAttribute(node, "alpha", 1);
    double beta = floatAttribute(node, "beta", 1);
    Tensors.Constant b = constant(node.getInput(1), where);
    requireRank(b, 2, where + " weight B");
    boolean transB = intAttribute(node, "transB", 0) != 0;
    int k = (int) (transB ? b.dims()[1] : b.dims()[0]);
    int m = (int) (transB ? b.dims()[0] : b.dims()[1]);
    double[] w = new double[k * m]; // [K, M]
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < m; j++) {
        w[i * m + j] = alpha * (transB ? b.values()[j * k + i] : b.values()[i * m + j]);
      }
    }
    double[] bias = new double[m];
    if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
      Tensors.Constant c = constant(node.getInput(2), where);
      double[] cv = broadcast(c, new int[] {m}, where + " bias C");
      for (int j = 0; j < m; j++) {
        bias[j] = beta * cv[j];
      }
    }
    apply(node, LinearOps.matMul(LinearOps.size(shape), w, k, m, bias), k + "x" + m + " weights");
  }

  private void matMul(NodeProto node, String where) {
    if (!node.getInput(0).equals(current)) {
      throw new OnnxImportException(source + ": " + where + " multiplies a constant by the activation; the activation"
          + " must be the first operand");
    }
    requireVector(where);
    Tensors.Constant b = constant(node.getInput(1), where);
    requireRank(b, 2, where + " weight");
    int k = (int) b.dims()[0];
    int m = (int) b.dims()[1];
    apply(node, LinearOps.matMul(LinearOps.size(shape), b.values(), k, m, null), k + "x" + m + " weights");
  }

  private void arithmetic(NodeProto node, String op, String where) {
    boolean activationFirst = node.getInput(0).equals(current);
    String other = node.getInput(activationFirst ? 1 : 0);
    double[] c = broadcast(constant(other, where), shape, where + " constant '" + other + "'");
    int n = c.length;
    double[] scale = new double[n];
    double[] shift = new double[n];
    for (int i = 0; i < n; i++) {
      switch (op) {
        case "Add" -> {
          scale[i] = 1;
          shift[i] = c[i];
        }
        case "Sub" -> {
          scale[i] = activationFirst ? 1 : -1;
          shift[i] = activationFirst ? -c[i] : c[i];
        }
        case "Mul" -> scale[i] = c[i];
        default -> {
          if (!activationFirst) {
            throw new OnnxImportException(source + ": " + where + " divides a constant by the activation; not linear");
          }
          if (c[i] == 0) {
            throw new OnnxImportException(source + ": " + where + " divides by zero");
          }
          scale[i] = 1 / c[i];
        }
      }
    }
    apply(node, LinearOps.elementwise(shape, scale, shift), op.toLowerCase() + " a constant");
  }

  private void conv(NodeProto node, String where) {
    requireImage(where);
    if (intAttribute(node, "group", 1) != 1) {
      throw new OnnxImportException(source + ": " + where + " is a grouped convolution (group = "
          + intAttribute(node, "group", 1) + "); only group = 1 is supported");
    }
    Tensors.Constant w = constant(node.getInput(1), where);
    requireRank(w, 4, where + " weight");
    if (w.dims()[1] != shape[0]) {
      throw new OnnxImportException(source + ": " + where + " expects " + w.dims()[1] + " input channels, the input has "
          + shape[0]);
    }
    double[] bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty()
        ? constant(node.getInput(2), where).values() : null;
    int kh = (int) w.dims()[2];
    int kw = (int) w.dims()[3];
    int[] strides = ints(node, "strides", new int[] {1, 1});
    int[] dilations = ints(node, "dilations", new int[] {1, 1});
    int[] pads = pads(node, where, new int[] {kh, kw}, strides, dilations);
    int[] wDims = {(int) w.dims()[0], (int) w.dims()[1], kh, kw};
    apply(node, LinearOps.conv(shape, w.values(), wDims, bias, strides, pads, dilations),
        wDims[0] + " filters " + kh + "x" + kw + ", stride " + strides[0] + "x" + strides[1] + ", pads "
            + Arrays.toString(pads));
  }

  private void averagePool(NodeProto node, String where, boolean global) {
    requireImage(where);
    int[] kernel = global ? new int[] {shape[1], shape[2]} : ints(node, "kernel_shape", null);
    if (kernel == null || kernel.length != 2) {
      throw new OnnxImportException(source + ": " + where + " needs a 2-D kernel_shape");
    }
    int[] strides = global ? new int[] {1, 1} : ints(node, "strides", new int[] {1, 1});
    int[] dilations = ints(node, "dilations", new int[] {1, 1});
    if (dilations[0] != 1 || dilations[1] != 1) {
      throw new OnnxImportException(source + ": " + where + " has dilations " + Arrays.toString(dilations)
          + "; only undilated pooling is supported");
    }
    int[] pads = global ? new int[4] : pads(node, where, kernel, strides, dilations);
    boolean ceil = intAttribute(node, "ceil_mode", 0) != 0;
    boolean includePad = intAttribute(node, "count_include_pad", 0) != 0;
    apply(node, LinearOps.averagePool(shape, kernel, strides, pads, ceil, includePad),
        "average over " + kernel[0] + "x" + kernel[1] + " windows");
  }

  private void batchNorm(NodeProto node, String where) {
    if (intAttribute(node, "training_mode", 0) != 0) {
      throw new OnnxImportException(source + ": " + where + " is in training mode; export the model in eval mode");
    }
    double eps = floatAttribute(node, "epsilon", 1e-5);
    int c = shape[0];
    double[][] p = new double[4][];
    for (int i = 0; i < 4; i++) {
      Tensors.Constant t = constant(node.getInput(i + 1), where);
      if (t.size() != c) {
        throw new OnnxImportException(source + ": " + where + " has " + t.size() + " values in input " + (i + 1)
            + " for " + c + " channels");
      }
      p[i] = t.values();
    }
    apply(node, LinearOps.batchNorm(shape, p[0], p[1], p[2], p[3], eps), "per-channel scale and shift");
  }

  private void mlOperator(NodeProto node, String op, String where) {
    switch (op) {
      case "Scaler" -> {
        requireVector(where);
        int n = shape[0];
        double[] offset = perFeature(floats(node, "offset"), n, where + " offset", 0);
        double[] scale = perFeature(floats(node, "scale"), n, where + " scale", 1);
        double[] shift = new double[n];
        for (int i = 0; i < n; i++) {
          shift[i] = -offset[i] * scale[i];
        }
        apply(node, LinearOps.elementwise(shape, scale, shift), "(x - offset) * scale");
      }
      case "LinearClassifier" -> linearClassifier(node, where);
      case "Normalizer", "ZipMap" -> decorate(node, where);
      default -> throw new OnnxImportException(source + ": unsupported operator ai.onnx.ml." + op + " at " + where
          + "; supported operators: " + SUPPORTED);
    }
  }

  private void linearClassifier(NodeProto node, String where) {
    requireVector(where);
    int features = shape[0];
    double[] coefficients = floats(node, "coefficients");
    if (coefficients.length == 0 || coefficients.length % features != 0) {
      throw new OnnxImportException(source + ": " + where + " has " + coefficients.length + " coefficients for "
          + features + " features");
    }
    int rows = coefficients.length / features;
    double[] intercepts = perFeature(floats(node, "intercepts"), rows, where + " intercepts", 0);
    double[] w = new double[features * rows]; // [K, M]
    for (int j = 0; j < rows; j++) {
      for (int i = 0; i < features; i++) {
        w[i * rows + j] = coefficients[j * features + i];
      }
    }
    List<String> labels = classLabels(node);
    String post = stringAttribute(node, "post_transform", "NONE");
    if (!Set.of("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO").contains(post)) {
      throw new OnnxImportException(source + ": " + where + " has post_transform " + post
          + "; supported: NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO (all keep the argmax)");
    }
    apply(node, LinearOps.matMul(features, w, features, rows, intercepts), rows + " class scores (post_transform "
        + post + " dropped: it keeps the argmax)");
    if (!labels.isEmpty()) {
      classNames = labels;
    }
    if (node.getOutputCount() < 2) {
      throw new OnnxImportException(source + ": " + where + " has no scores output");
    }
    decoration.add(node.getOutput(0)); // the label output
    finish(node.getOutput(1), where);
    sigmoidScores = post.equals("LOGISTIC");
    current = node.getOutput(1);
  }

  // ------------------------------------------------------------------ constants and attributes

  private boolean isConstant(String name) {
    return constants.containsKey(name) || initializers.containsKey(name);
  }

  private Tensors.Constant constant(String name, String where) {
    Tensors.Constant c = constants.get(name);
    if (c != null) {
      return c;
    }
    TensorProto t = initializers.get(name);
    if (t == null) {
      throw new OnnxImportException(source + ": " + where + " needs '" + name + "' to be a constant (an initializer"
          + " or a Constant node); computed weights or shapes are not supported");
    }
    c = Tensors.decode(t, where + " tensor '" + name + "'");
    constants.put(name, c);
    return c;
  }

  private TensorProto initializerOrConstant(String name) {
    return initializers.get(name);
  }

  private Tensors.Constant constantAttribute(NodeProto node, String where) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals("value") && a.hasT()) {
        return Tensors.decode(a.getT(), where);
      }
    }
    throw new OnnxImportException(source + ": " + where + " has no tensor 'value'; supported Constant form: value");
  }

  private List<String> labels(TensorProto t, String where) {
    if (t == null) {
      return null;
    }
    if (t.getDataType() == TensorProto.DataType.STRING_VALUE) {
      return t.getStringDataList().stream().map(b -> b.toString(StandardCharsets.UTF_8)).toList();
    }
    List<String> out = new ArrayList<>();
    for (long v : Tensors.decode(t, where).longs()) {
      out.add(Long.toString(v));
    }
    return out;
  }

  private List<String> classLabels(NodeProto node) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals("classlabels_ints")) {
        return a.getIntsList().stream().map(String::valueOf).toList();
      }
      if (a.getName().equals("classlabels_strings")) {
        return a.getStringsList().stream().map(b -> b.toString(StandardCharsets.UTF_8)).toList();
      }
    }
    return List.of();
  }

  private static Optional<AttributeProto> attribute(NodeProto node, String name) {
    return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
  }

  private static long intAttribute(NodeProto node, String name, long fallback) {
    return attribute(node, name).map(AttributeProto::getI).orElse(fallback);
  }

  private static double floatAttribute(NodeProto node, String name, double fallback) {
    return attribute(node, name).map(a -> (double) a.getF()).orElse(fallback);
  }

  private static String stringAttribute(NodeProto node, String name, String fallback) {
    return attribute(node, name).map(a -> a.getS().toString(StandardCharsets.UTF_8)).orElse(fallback);
  }

  private static double[] floats(NodeProto node, String name) {
    return attribute(node, name).map(a -> a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray())
        .orElse(new double[0]);
  }

  private int[] ints(NodeProto node, String name, int[] fallback) {
    Optional<AttributeProto> a = attribute(node, name);
    if (a.isEmpty()) {
      return fallback;
    }
    return a.get().getIntsList().stream().mapToInt(Math::toIntExact).toArray();
  }

  /** Explicit pads, or those auto_pad implies: {@code [top, left, bottom, right]}. */
  private int[] pads(NodeProto node, String where, int[] kernel, int[] strides, int[] dilations) {
    String auto = stringAttribute(node, "auto_pad", "NOTSET");
    if (auto.equals("NOTSET")) {
      int[] p = ints(node, "pads", new int[4]);
      if (p.length != 4) {
        throw new OnnxImportException(source + ": " + where + " has " + p.length + " pads; 4 expected for 2-D");
      }
      return p;
    }
    if (auto.equals("VALID")) {
      return new int[4];
    }
    if (!auto.equals("SAME_UPPER") && !auto.equals("SAME_LOWER")) {
      throw new OnnxImportException(source + ": " + where + " has auto_pad " + auto);
    }
    int[] p = new int[4];
    for (int d = 0; d < 2; d++) {
      int in = shape[d + 1];
      int out = (in + strides[d] - 1) / strides[d];
      int total = Math.max(0, (out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - in);
      int small = total / 2;
      p[d] = auto.equals("SAME_UPPER") ? small : total - small;
      p[d + 2] = total - p[d];
    }
    return p;
  }

  private double[] perFeature(double[] values, int n, String what, double fallback) {
    if (values.length == 0) {
      double[] out = new double[n];
      Arrays.fill(out, fallback);
      return out;
    }
    if (values.length == 1) {
      double[] out = new double[n];
      Arrays.fill(out, values[0]);
      return out;
    }
    if (values.length != n) {
      throw new OnnxImportException(source + ": " + what + " has " + values.length + " values for " + n);
    }
    return values;
  }

  /** A constant broadcast (numpy rules, batch dimension first) to one value per element of {@code target}. */
  private double[] broadcast(Tensors.Constant c, int[] target, String what) {
    long[] dims = c.dims();
    int rank = target.length + 1;
    if (dims.length > rank) {
      throw new OnnxImportException(source + ": " + what + " has shape " + Tensors.shape(dims)
          + ", which does not broadcast to " + Arrays.toString(target));
    }
    long[] full = new long[rank];
    Arrays.fill(full, 1);
    System.arraycopy(dims, 0, full, rank - dims.length, dims.length);
    if (full[0] != 1) {
      throw new OnnxImportException(source + ": " + what + " varies along the batch dimension");
    }
    for (int d = 1; d < rank; d++) {
      if (full[d] != 1 && full[d] != target[d - 1]) {
        throw new OnnxImportException(source + ": " + what + " has shape " + Tensors.shape(dims)
            + ", which does not broadcast to " + Arrays.toString(target));
      }
    }
    int n = LinearOps.size(target);
    double[] out = new double[n];
    int[] idx = new int[target.length];
    for (int e = 0; e < n; e++) {
      int rem = e;
      for (int d = target.length - 1; d >= 0; d--) {
        idx[d] = rem % target[d];
        rem /= target[d];
      }
      int src = 0;
      for (int d = 0; d < target.length; d++) {
        src = src * (int) full[d + 1] + (full[d + 1] == 1 ? 0 : idx[d]);
      }
      out[e] = c.values()[src];
    }
    return out;
  }

  private void requireVector(String where) {
    if (shape.length != 1) {
      throw new OnnxImportException(source + ": " + where + " needs a flat vector, the activation has shape "
          + Arrays.toString(shape) + "; insert a Flatten");
    }
  }

  private void requireImage(String where) {
    if (shape.length != 3) {
      throw new OnnxImportException(source + ": " + where + " needs a [C, H, W] image, the activation has shape "
          + Arrays.toString(shape));
    }
  }

  private void requireRank(Tensors.Constant t, int rank, String what) {
    if (t.dims().length != rank) {
      throw new OnnxImportException(source + ": " + what + " has shape " + Tensors.shape(t.dims()) + "; rank " + rank
          + " expected");
    }
  }
}
