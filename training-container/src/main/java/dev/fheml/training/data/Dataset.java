package dev.fheml.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable labelled dataset: {@code size()} rows of {@code numFeatures()} raw (unscaled) float
 * features, each with a class label in {@code [0, numClasses())}.
 *
 * <p>Features are stored row-major in one flat array; accessors copy, so a {@code Dataset} can be shared
 * freely between threads.
 */
public final class Dataset {
  private final float[] features;
  private final int[] labels;
  private final int numFeatures;
  private final List<String> featureNames;
  private final List<String> classNames;

  private Dataset(float[] features, int[] labels, int numFeatures, List<String> featureNames,
      List<String> classNames) {
    this.features = features;
    this.labels = labels;
    this.numFeatures = numFeatures;
    this.featureNames = featureNames;
    this.classNames = classNames;
  }

  /**
   * Creates a dataset, copying the arrays.
   *
   * @param features     row-major, length {@code labels.length * featureNames.size()}; finite values
   * @param labels       one class index per row, each in {@code [0, classNames.size())}
   * @param featureNames one name per feature column (at least one)
   * @param classNames   one name per class (at least one)
   * @throws IllegalArgumentException if the sizes disagree, a label is out of range or a feature is not
   *                                  finite
   */
  public static Dataset of(float[] features, int[] labels, List<String> featureNames,
      List<String> classNames) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    List<String> fNames = List.copyOf(featureNames);
    List<String> cNames = List.copyOf(classNames);
    int d = fNames.size();
    if (d == 0) {
      throw new IllegalArgumentException("a dataset needs at least one feature");
    }
    if (cNames.isEmpty()) {
      throw new IllegalArgumentException("a dataset needs at least one class");
    }
    if ((long) labels.length * d != features.length) {
      throw new IllegalArgumentException("features has " + features.length + " values, expected "
          + labels.length + " rows x " + d + " features");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= cNames.size()) {
        throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is not in [0, "
            + cNames.size() + ")");
      }
    }
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException("feature " + (i % d) + " of row " + (i / d)
            + " is not finite: " + features[i]);
      }
    }
    return new Dataset(features.clone(), labels.clone(), d, fNames, cNames);
  }

  /** Names {@code prefix0, prefix1, ...}: for data without a header. */
  public static List<String> numberedNames(String prefix, int count) {
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = prefix + i;
    }
    return List.of(names);
  }

  /** Number of rows. */
  public int size() {
    return labels.length;
  }

  /** Number of feature columns per row. */
  public int numFeatures() {
    return numFeatures;
  }

  /** Number of classes (labels are in {@code [0, numClasses())}). */
  public int numClasses() {
    return classNames.size();
  }

  /** The class label of row {@code row}. */
  public int label(int row) {
    return labels[row];
  }

  /** A copy of all labels. */
  public int[] labels() {
    return labels.clone();
  }

  /** Raw feature {@code feature} of row {@code row}. */
  public float feature(int row, int feature) {
    Objects.checkIndex(feature, numFeatures);
    return features[row * numFeatures + feature];
  }

  /** A copy of row {@code row}'s raw features. */
  public float[] row(int row) {
    Objects.checkIndex(row, labels.length);
    return Arrays.copyOfRange(features, row * numFeatures, (row + 1) * numFeatures);
  }

  /** Copies row {@code row}'s raw features into {@code dst[offset ..]}. */
  public void copyRow(int row, float[] dst, int offset) {
    Objects.checkIndex(row, labels.length);
    System.arraycopy(features, row * numFeatures, dst, offset, numFeatures);
  }

  /** Feature names, one per column. */
  public List<String> featureNames() {
    return featureNames;
  }

  /** Class names; label {@code k} is {@code classNames().get(k)}. */
  public List<String> classNames() {
    return classNames;
  }

  /** The rows at {@code indices}, in that order (indices may repeat). */
  public Dataset subset(int[] indices) {
    float[] f = new float[indices.length * numFeatures];
    int[] l = new int[indices.length];
    for (int k = 0; k < indices.length; k++) {
      copyRow(indices[k], f, k * numFeatures);
      l[k] = labels[indices[k]];
    }
    return new Dataset(f, l, numFeatures, featureNames, classNames);
  }

  /** The first {@code min(n, size())} rows. */
  public Dataset head(int n) {
    int m = Math.min(n, size());
    return new Dataset(Arrays.copyOf(features, m * numFeatures), Arrays.copyOf(labels, m),
        numFeatures, featureNames, classNames);
  }

  @Override
  public String toString() {
    return "Dataset[" + size() + " rows x " + numFeatures + " features, " + numClasses() + " classes]";
  }
}
