package dev.fheml.training.pipeline;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * How an imported model was made, in {@code metrics.json} under {@code import}.
 *
 * @param source                     the ONNX file's name
 * @param producer                   the exporter that wrote it (name and version)
 * @param opset                      the default domain's operator set version
 * @param inputShape                 the input's shape without the batch dimension
 * @param preprocessing              what was folded into the first layer ({@code pixel / 255}, normalization)
 * @param layers                     the imported network's widths, input to scores
 * @param nodes                      one line per ONNX node: what was folded where, what was dropped
 * @param floatAccuracy              the ONNX graph's own accuracy on the test rows (float)
 * @param calibrationRows            rows that calibrated the quantization
 * @param ptqAccuracyCalibration     the post-training-quantized model's accuracy on the calibration rows
 * @param finetuneEpochs             quantization-aware fine-tuning epochs after it (0 = none)
 * @param reluClips                  each hidden layer's chosen ReLU clip (the top of its activation scale)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ImportDetails(String source, String producer, long opset, List<Integer> inputShape, String preprocessing,
    List<Integer> layers, List<String> nodes, double floatAccuracy, int calibrationRows, double ptqAccuracyCalibration,
    int finetuneEpochs, List<Double> reluClips) {
  public ImportDetails {
    inputShape = List.copyOf(inputShape);
    layers = List.copyOf(layers);
    nodes = List.copyOf(nodes);
    reluClips = List.copyOf(reluClips);
  }
}
