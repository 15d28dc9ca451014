package dev.fheml.training.data;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Turns a CSV file's label cells into classes. Labels that are all whole numbers are read as numbers
 * ({@code 0.0} and {@code 0} are one class) and the classes are the values that occur, in numeric
 * order ({@code 1, 2, 3} are three classes, with no class {@code 0} that no row has); other labels are
 * names, in sorted order. A label column of numbers that are not all whole is refused: it holds a
 * quantity to regress, not classes, or the wrong column was taken for the label.
 */
final class CsvLabels {
  private CsvLabels() {}

  /** The classes and each row's class index. */
  record Classes(List<String> names, int[] labels) {}

  /**
   * @param cells     the label cells, stripped, one per row
   * @param fixed     if non-empty, the classes the labels must be (a test channel's training classes)
   * @param lines     each row's line number, for messages
   * @param notes     receives the decisions worth a line in the log
   */
  static Classes read(String[] cells, List<String> fixed, List<Integer> lines, String source, Consumer<String> notes)
      throws DatasetFormatException {
    String[] canonical = new String[cells.length];
    boolean whole = true;
    int fraction = -1;
    boolean allNumbers = true;
    for (int r = 0; r < cells.length; r++) {
      Optional<String> n = CsvNumbers.wholeNumber(cells[r]);
      canonical[r] = n.orElse(cells[r]);
      whole &= n.isPresent();
      boolean number = CsvNumbers.isNumber(cells[r]);
      allNumbers &= number;
      if (number && n.isEmpty() && fraction < 0) {
        fraction = r;
      }
    }
    if (allNumbers && !whole) {
      throw new DatasetFormatException(source, "line " + lines.get(fraction), "the label '" + cells[fraction]
          + "' is a number that is not whole: labels name classes (0, 1, 2 or names); is the label column the"
          + " right one (hyperparameter label)?");
    }
    List<String> classes;
    if (!fixed.isEmpty()) {
      classes = fixed;
    } else if (whole) {
      classes = Arrays.stream(canonical).distinct().map(BigInteger::new).sorted().map(BigInteger::toString).toList();
      if (!isRange(classes)) {
        notes.accept(source + ": the labels are the numbers " + shown(classes) + "; the model's classes are these "
            + classes.size() + " values (no class for the numbers between them that no row has)");
      }
    } else {
      classes = List.copyOf(new TreeSet<>(Arrays.asList(canonical)));
    }
    int[] labels = new int[cells.length];
    for (int r = 0; r < cells.length; r++) {
      labels[r] = classes.indexOf(canonical[r]);
      if (labels[r] < 0) {
        throw new DatasetFormatException(source, "line " + lines.get(r),
            "label '" + cells[r] + "' is not one of the classes " + shown(classes));
      }
    }
    return new Classes(classes, labels);
  }

  private static boolean isRange(List<String> classes) {
    for (int k = 0; k < classes.size(); k++) {
      if (!classes.get(k).equals(Integer.toString(k))) {
        return false;
      }
    }
    return true;
  }

  private static String shown(List<String> classes) {
    return classes.size() <= 20 ? classes.toString()
        : classes.subList(0, 20).toString().replace("]", ", ... (" + classes.size() + " classes)]");
  }
}
