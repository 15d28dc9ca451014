package dev.fheml.training.data;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link CsvReader} reads a CSV file: delimiter, whether there is a header, which column holds the
 * label, optional fixed class names, and size limits. Build with {@link #builder()}.
 *
 * @param delimiter   the cell separator (not {@code '"'}); a space stands for any run of spaces and tabs
 * @param detectDelimiter if true, {@code delimiter} is ignored: the first line read decides, the first
 *                    of {@code , ; TAB} it contains, else runs of spaces and tabs
 * @param commentLines if true, lines starting with {@code #} are skipped like blank ones
 * @param header      whether the first line is a header
 * @param labelName   the label column's header name; if empty, {@code labelIndex} is used
 * @param labelIndex  the label column's index, negative counts from the end ({@code -1} = last)
 * @param classNames  if non-empty, the labels must be exactly these names and map to their index;
 *                    otherwise the classes are the labels that occur: whole numbers in numeric order
 *                    ({@code 1.0} is {@code 1}), any other labels in sorted order (see {@code CsvLabels})
 * @param maxRows     the most data rows accepted
 * @param maxColumns  the most columns accepted
 */
public record CsvFormat(char delimiter, boolean detectDelimiter, boolean commentLines, Header header,
    Optional<String> labelName, int labelIndex, List<String> classNames, int maxRows, int maxColumns) {

  /** Whether the first non-blank line names the columns. */
  public enum Header {
    /** The first line is a header. */
    PRESENT,
    /** Every line is data. */
    ABSENT,
    /**
     * The first line is a header if its feature cells are text, or pandas' default names (see
     * {@code CsvHeader}); a first line mixing numbers and text is refused.
     */
    AUTO
  }

  /** Validates the fields. */
  public CsvFormat {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(labelName, "labelName");
    classNames = List.copyOf(classNames);
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("delimiter cannot be a quote or a line break");
    }
    if (labelName.isPresent() && header == Header.ABSENT) {
      throw new IllegalArgumentException("a label column name needs a header");
    }
    if (maxRows < 1 || maxColumns < 2) {
      throw new IllegalArgumentException("maxRows must be >= 1 and maxColumns >= 2");
    }
  }

  /**
   * A builder with: comma, no comment lines, {@link Header#AUTO}, label in the last column, 1 M rows,
   * 10,000 columns.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder for {@link CsvFormat}. */
  public static final class Builder {
    private char delimiter = ',';
    private boolean detectDelimiter;
    private boolean commentLines;
    private Header header = Header.AUTO;
    private String labelName;
    private int labelIndex = -1;
    private List<String> classNames = List.of();
    private int maxRows = 1_000_000;
    private int maxColumns = 10_000;

    private Builder() {
    }

    /** The cell separator; a space stands for runs of spaces and tabs. */
    public Builder delimiter(char delimiter) {
      this.delimiter = delimiter;
      this.detectDelimiter = false;
      return this;
    }

    /** The first line read decides the separator: {@code ,} {@code ;} or TAB if it has one, else blanks. */
    public Builder detectDelimiter() {
      this.detectDelimiter = true;
      return this;
    }

    /** Whether lines starting with {@code #} are comments. */
    public Builder commentLines(boolean commentLines) {
      this.commentLines = commentLines;
      return this;
    }

    /** Whether the first line is a header. */
    public Builder header(Header header) {
      this.header = header;
      return this;
    }

    /** The label column by header name. */
    public Builder labelColumn(String name) {
      this.labelName = name;
      return this;
    }

    /** The label column by index; negative counts from the end. */
    public Builder labelColumn(int index) {
      this.labelName = null;
      this.labelIndex = index;
      return this;
    }

    /** Fixed class names: label cells must be one of them. */
    public Builder classNames(List<String> classNames) {
      this.classNames = classNames;
      return this;
    }

    /** The most data rows accepted. */
    public Builder maxRows(int maxRows) {
      this.maxRows = maxRows;
      return this;
    }

    /** The most columns accepted. */
    public Builder maxColumns(int maxColumns) {
      this.maxColumns = maxColumns;
      return this;
    }

    /** The format. */
    public CsvFormat build() {
      return new CsvFormat(delimiter, detectDelimiter, commentLines, header, Optional.ofNullable(labelName),
          labelIndex, classNames, maxRows, maxColumns);
    }
  }
}
