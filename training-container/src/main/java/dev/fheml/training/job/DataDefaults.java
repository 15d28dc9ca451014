package dev.fheml.training.job;

import dev.fheml.training.data.DataShape;
import dev.fheml.training.train.ModelKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the training settings a request leaves open from the data they train on, so that defaults
 * fit more than the data they were measured on:
 * <ul>
 *   <li>images: the measured MNIST recipe (hidden 64, batch 64, Adam 2e-3; 100 epochs for an MLP, 30
 *       for logreg on 10,000 images), with fewer epochs for more images (the same number of steps, at
 *       least {@value #MIN_IMAGE_EPOCHS} epochs); augmentation, tuned for digits (on clothing images
 *       of the same size it cost 4 points), decided on the validation split unless given;</li>
 *   <li>tables: hidden width from the feature count (a power of two in [8, 16]: the bootstraps cost
 *       time per hidden unit and small tables gain nothing from more), batch from the row count (a power
 *       of two in [8, 64], about 1/32 of the rows), Adam 0.01 (times 32 / features above 32
 *       features), and epochs for about
 *       {@value #TABLE_STEPS} optimizer steps (within [{@value #MIN_TABLE_EPOCHS},
 *       {@value #MAX_TABLE_EPOCHS}]): the image recipe's 30 epochs of 64 rows are a few dozen steps on
 *       a 150-row table, which left logistic regression at 36 %.</li>
 * </ul>
 */
final class DataDefaults {
  static final int IMAGE_HIDDEN = 64;
  static final int IMAGE_EPOCHS_MLP = 100;
  static final int IMAGE_EPOCHS_LOGREG = 30;
  /** The rows the image recipe was measured on (the bundled MNIST subset). */
  static final int IMAGE_REFERENCE_ROWS = 10_000;
  static final int MIN_IMAGE_EPOCHS = 10;
  static final double TABLE_LEARNING_RATE = 0.01;
  /** Above this many features the table rate shrinks in proportion (see {@link #tableRate}). */
  static final int TABLE_RATE_FEATURES = 32;
  static final int TABLE_STEPS = 3000;
  static final int MIN_TABLE_EPOCHS = 30;
  static final int MAX_TABLE_EPOCHS = 500;

  private DataDefaults() {}

  /** The request's settings where given, else chosen for {@code shape}. */
  static TrainingSettings choose(TrainingRequest request, DataShape shape) {
    List<String> chosen = new ArrayList<>();
    boolean image = shape.isImage();
    List<Integer> hidden = request.hidden().orElseGet(() -> {
      List<Integer> h = List.of(image ? IMAGE_HIDDEN : clampPow2(shape.features(), 8, 16, true));
      chosen.add("hidden " + h.get(0) + (image ? "" : " (from " + shape.features() + " features)"));
      return h;
    });
    int batch = request.batchSize().orElseGet(() -> {
      int b = image ? JobSettings.DEFAULT_BATCH_SIZE : clampPow2(shape.rows() / 32, 8, 64, false);
      chosen.add("batch_size " + b + (image ? "" : " (from " + shape.rows() + " rows)"));
      return b;
    });
    double rate = request.learningRate().orElseGet(() -> {
      double r = image ? JobSettings.DEFAULT_LEARNING_RATE : tableRate(shape.features());
      chosen.add("learning_rate " + r + (image || shape.features() <= TABLE_RATE_FEATURES ? ""
          : " (from " + shape.features() + " features)"));
      return r;
    });
    int epochs = request.epochs().orElseGet(() -> {
      int e = image ? imageEpochs(request.model(), shape.rows()) : tableEpochs(shape.rows(), batch,
          request.validationFraction());
      chosen.add("epochs " + e + " (from " + shape.rows() + " rows" + (image ? "" : " and batch " + batch) + ")");
      return e;
    });
    boolean augment = request.augment().orElse(false);
    if (request.choosesAugmentation(shape)) {
      chosen.add("augment on the validation split (trained without and with it)");
    }
    return new TrainingSettings(hidden, epochs, batch, rate, augment, chosen);
  }

  /**
   * Adam moves every weight by about the rate per step, so a hidden unit's pre-activation moves by
   * about rate x (sum of its inputs): table features scaled to [0, 1] sum to about features / 2, and at
   * 0.01 a 300-feature table killed every hidden unit in the first epoch (loss stuck at ln 3, one class
   * for every row), where 0.001 trained. Image pixels are mostly 0, hence their own rate.
   */
  static double tableRate(int features) {
    double r = TABLE_LEARNING_RATE * Math.min(1, (double) TABLE_RATE_FEATURES / features);
    return Double.parseDouble(String.format(Locale.ROOT, "%.3g", r));
  }

  private static int imageEpochs(ModelKind model, int rows) {
    int base = model == ModelKind.MLP ? IMAGE_EPOCHS_MLP : IMAGE_EPOCHS_LOGREG;
    long scaled = (long) Math.ceil((double) base * IMAGE_REFERENCE_ROWS / Math.max(1, rows));
    return (int) Math.min(base, Math.max(Math.min(base, MIN_IMAGE_EPOCHS), scaled));
  }

  private static int tableEpochs(int rows, int batch, double validationFraction) {
    double fitRows = Math.max(1, rows * (1 - validationFraction));
    double batchesPerEpoch = Math.ceil(fitRows / batch);
    long e = (long) Math.ceil(TABLE_STEPS / batchesPerEpoch);
    return (int) Math.max(MIN_TABLE_EPOCHS, Math.min(MAX_TABLE_EPOCHS, e));
  }

  /** The power of two nearest {@code n} from above ({@code up}) or below, clamped to [lo, hi]. */
  private static int clampPow2(int n, int lo, int hi, boolean up) {
    int p = Integer.highestOneBit(Math.max(1, n));
    if (up && p < n) {
      p <<= 1;
    }
    return Math.max(lo, Math.min(hi, p));
  }
}
