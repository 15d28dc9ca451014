package dev.fheml.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a CSV file's first row names its columns ({@link CsvFormat.Header#AUTO}). A header
 * is never guessed silently where a data row could be lost or a name read as data:
 * <ul>
 *   <li>feature cells that are all text (or empty): a header;</li>
 *   <li>feature cells mixing numbers and text: refused, since it is either a header with a numeric
 *       name or a data row with a bad cell, and reading it either way could corrupt the data;</li>
 *   <li>all-number feature cells: data, unless the label cell is text while every other row's label
 *       is a number ({@code 0,1,2,3,target}: pandas' default column names), or the cells are exactly
 *       {@code 0, 1, 2, ...} (pandas' names for every column); both are headers, and said so.</li>
 * </ul>
 */
final class CsvHeader {
  /** The decision, and a note for the log when it was not obvious from the cells alone. */
  record Decision(boolean header, Optional<String> note) {}

  private CsvHeader() {}

  /**
   * @param rows     the file's rows (the first one decides; the others tell a label name from a label)
   * @param labelCol the label column, or -1 for rows of features only
   * @param line     the first row's line number, for messages
   * @throws DatasetFormatException if the first row mixes numbers and text in its feature cells
   */
  static Decision detect(List<String[]> rows, int labelCol, String source, int line) throws DatasetFormatException {
    String[] first = rows.get(0);
    List<Integer> text = new ArrayList<>();
    List<Integer> numbers = new ArrayList<>();
    for (int c = 0; c < first.length; c++) {
      String s = first[c].strip();
      if (c == labelCol || s.isEmpty()) {
        continue;
      }
      (CsvNumbers.isNumber(s) ? numbers : text).add(c);
    }
    if (!text.isEmpty() && !numbers.isEmpty()) {
      int t = text.get(0);
      int n = numbers.get(0);
      throw new DatasetFormatException(source, "line " + line, "the first row mixes text (column " + (t + 1) + ": '"
          + first[t].strip() + "') and numbers (column " + (n + 1) + ": '" + first[n].strip() + "'): a header names"
          + " every column with text, a data row holds numbers only; fix that cell, or name every column");
    }
    if (!text.isEmpty()) {
      return new Decision(true, Optional.empty());
    }
    if (isRangeNames(first, labelCol)) {
      return new Decision(true, Optional.of("line " + line + " of " + source + " read as a header: its cells are 0, 1,"
          + " 2, ... (pandas' default column names)"));
    }
    if (labelCol >= 0 && labelIsName(rows, labelCol)) {
      return new Decision(true, Optional.of("line " + line + " of " + source + " read as a header: its label cell '"
          + first[labelCol].strip() + "' is text, every other row's label is a number"));
    }
    return new Decision(false, Optional.empty());
  }

  /**
   * Refuses pandas' row index written as a first column ({@code to_csv()} without {@code index=False}):
   * a column with no name in the header holding 0, 1, 2, ... would train as a feature that is only the
   * row's position.
   *
   * @param rows  the file's rows, the first being the header
   * @param line  the header's line number
   */
  static void requireNoRowIndex(List<String[]> rows, String source, int line) throws DatasetFormatException {
    if (rows.size() < 3 || !rows.get(0)[0].strip().isEmpty()) {
      return;
    }
    for (int r = 1; r < rows.size(); r++) {
      if (!rows.get(r)[0].strip().equals(Integer.toString(r - 1))) {
        return;
      }
    }
    throw new DatasetFormatException(source, "line " + line, "column 1 has no name and holds 0, 1, 2, ...: pandas'"
        + " row index, not a feature; write the file with to_csv(index=False), or drop that column");
  }

  /**
   * Whether every cell is its column's index (0, 1, 2, ... as pandas names unnamed columns), the label
   * cell possibly a name instead; at least three columns, so that a short data row of small integers is
   * not mistaken for names.
   */
  private static boolean isRangeNames(String[] row, int labelCol) {
    if (row.length < 3) {
      return false;
    }
    for (int c = 0; c < row.length; c++) {
      String s = row[c].strip();
      boolean named = c == labelCol && !CsvNumbers.isNumber(s);
      if (!named && !s.equals(Integer.toString(c))) {
        return false;
      }
    }
    return true;
  }

  private static boolean labelIsName(List<String[]> rows, int labelCol) {
    if (rows.size() < 2 || CsvNumbers.isNumber(rows.get(0)[labelCol].strip())) {
      return false;
    }
    for (int r = 1; r < rows.size(); r++) {
      String[] row = rows.get(r);
      if (labelCol >= row.length || !CsvNumbers.isNumber(row[labelCol].strip())) {
        return false;
      }
    }
    return true;
  }
}
