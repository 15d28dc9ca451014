package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
  private static Dataset read(CsvFormat f, String text) throws IOException {
    return new CsvReader(f).read(new StringReader(text), "t.csv");
  }

  private static Dataset read(String text) throws IOException {
    return read(CsvFormat.builder().build(), text);
  }

  @Test
  void headerIsDetectedAndNamesTheFeatures() throws IOException {
    Dataset d = read("a,b,label\n1,2,0\n3.5,-4e-1,1\n");
    assertEquals(List.of("a", "b"), d.featureNames());
    assertEquals(2, d.size());
    assertEquals(-0.4f, d.feature(1, 1));
    assertEquals(List.of("0", "1"), d.classNames());
    assertEquals(1, d.label(1));
  }

  @Test
  void withoutHeaderEveryLineIsData() throws IOException {
    Dataset d = read("1,2,0\n3,4,2\n\n");
    assertEquals(2, d.size());
    assertEquals(List.of("f0", "f1"), d.featureNames());
    assertEquals(List.of("0", "2"), d.classNames(), "the labels that occur, no class 1");
  }

  private static Dataset readNoting(String text, List<String> notes) throws IOException {
    return new CsvReader(CsvFormat.builder().build(), notes::add).read(new StringReader(text), "t.csv");
  }

  /** pandas writes unnamed columns as 0, 1, 2, ...: that row names the columns, it is no data row. */
  @Test
  void pandasDefaultColumnNamesAreAHeader() throws IOException {
    List<String> notes = new ArrayList<>();
    Dataset d = readNoting("0,1,2,3,target\n5.1,3.5,1.4,0.2,0\n6.2,2.9,4.3,1.3,1\n", notes);
    assertEquals(2, d.size(), "no row for the header");
    assertEquals(List.of("0", "1"), d.classNames(), "no class 'target'");
    assertEquals(List.of("0", "1", "2", "3"), d.featureNames());
    assertEquals(5.1f, d.feature(0, 0), "the feature minimums are the data's");
    assertEquals(List.of("line 1 of t.csv read as a header: its cells are 0, 1, 2, ... (pandas' default column"
        + " names)"), notes);
    assertEquals(2, readNoting("0,1,2,3,4\n5.1,3.5,1.4,0.2,0\n6.2,2.9,4.3,1.3,1\n", notes).size(), "np.c_[X, y]");
  }

  /** A text label over number labels is the label column's name, whatever the feature names. */
  @Test
  void aTextLabelAboveNumberLabelsIsAHeader() throws IOException {
    List<String> notes = new ArrayList<>();
    Dataset d = readNoting("1990,2000,target\n1,2,0\n3,4,1\n", notes);
    assertEquals(2, d.size());
    assertEquals(List.of("1990", "2000"), d.featureNames());
    assertEquals(List.of("line 1 of t.csv read as a header: its label cell 'target' is text, every other row's"
        + " label is a number"), notes);
    assertEquals(2, read("5.1,3.5,setosa\n4.9,3.0,versicolor\n").size(), "text labels all the way: data");
  }

  /** A header-less file whose first row has a bad cell: refused, not silently dropped as a header. */
  @Test
  void aFirstRowMixingTextAndNumbersIsRefused() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read("?,2.5,0\n1,2,1\n3,4,0\n"));
    assertEquals("t.csv: line 1: the first row mixes text (column 1: '?') and numbers (column 2: '2.5'): a header"
        + " names every column with text, a data row holds numbers only; fix that cell, or name every column",
        e.getMessage());
  }

  /** pandas' to_csv() writes its row index as an unnamed first column: refused, not trained on. */
  @Test
  void pandasRowIndexIsRefused() throws IOException {
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(",a,b,target\n0,1.5,2,0\n1,3,4,1\n2,5,6,0\n"));
    assertEquals("t.csv: line 1: column 1 has no name and holds 0, 1, 2, ...: pandas' row index, not a feature;"
        + " write the file with to_csv(index=False), or drop that column", e.getMessage());
    assertEquals(3, read("id,a,target\n0,1.5,0\n1,3,1\n2,5,0\n").size(), "a named column is the user's choice");
  }

  /** Labels 1..3 are three classes (no phantom class 0); the log says how numbers became classes. */
  @Test
  void numberLabelsAreTheClassesThatOccur() throws IOException {
    List<String> notes = new ArrayList<>();
    Dataset d = readNoting("1,1\n2,3\n3,2\n4,3\n", notes);
    assertEquals(List.of("1", "2", "3"), d.classNames());
    assertArrayEquals(new int[] {0, 2, 1, 2}, d.labels());
    assertEquals(1, notes.size());
    assertTrue(notes.get(0).startsWith("t.csv: the labels are the numbers [1, 2, 3]; the model's classes"),
        notes.get(0));
    assertEquals(List.of("-1", "2", "10"), read("1,10\n2,-1\n3,2\n").classNames(), "numeric order");
  }

  /** 0.0/1.0 (pandas writes float labels so) are the classes 0 and 1, also against fixed classes. */
  @Test
  void wholeFloatLabelsAreTheirIntegers() throws IOException {
    Dataset d = read("1,0.0\n2,1.0\n3,1\n");
    assertEquals(List.of("0", "1"), d.classNames());
    assertArrayEquals(new int[] {0, 1, 1}, d.labels());
    CsvFormat fixed = CsvFormat.builder().classNames(List.of("0", "1")).build();
    assertArrayEquals(new int[] {1, 0}, read(fixed, "1,1.0\n2,0e0\n").labels());
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read("1,0.5\n2,1\n3,2.25\n"));
    assertEquals("line 1", e.location());
    assertTrue(e.getMessage().contains("the label '0.5' is a number that is not whole"), e.getMessage());
  }

  @Test
  void explicitAbsentHeaderRejectsAHeaderLine() {
    CsvFormat f = CsvFormat.builder().header(CsvFormat.Header.ABSENT).build();
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(f, "a,b,y\n1,2,0\n"));
    assertEquals("line 1, column 1 (f0)", e.location());
  }

  @Test
  void labelColumnByNameAndStringClassesSorted() throws IOException {
    CsvFormat f = CsvFormat.builder().labelColumn("kind").build();
    Dataset d = read(f, "kind,x\nzebra,1\n\"ant\",2\nzebra,3\n");
    assertEquals(List.of("ant", "zebra"), d.classNames());
    assertEquals(1, d.label(0));
    assertEquals(0, d.label(1));
    assertEquals(List.of("x"), d.featureNames());
    assertEquals(3f, d.feature(2, 0));
  }

  @Test
  void quotedCellsMayHoldTheDelimiter() throws IOException {
    CsvFormat f = CsvFormat.builder().labelColumn(0).build();
    Dataset d = read(f, "\"a, \"\"quoted\"\" label\",1.5\nb,2\n");
    assertEquals(List.of("a, \"quoted\" label", "b"), d.classNames());
  }

  @Test
  void badCellNamesLineAndColumn() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read("a,b,y\n1,2,0\n3,x7,1\n"));
    assertEquals("line 3, column 2 (b)", e.location());
    assertTrue(e.getMessage().contains("t.csv: line 3"), e.getMessage());
    assertTrue(e.getMessage().contains("'x7' is not a number"), e.getMessage());
  }

  @Test
  void nonFiniteCellIsRejected() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read("a,b,y\n1,NaN,0\n"));
    assertTrue(e.getMessage().contains("not a finite"), e.getMessage());
  }

  @Test
  void wrongCellCountIsReported() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read("a,b,y\n1,2,0\n\n1,2\n"));
    assertEquals("line 4", e.location());
    assertTrue(e.getMessage().contains("2 cells, expected 3"), e.getMessage());
  }

  @Test
  void unknownClassNameIsReported() {
    CsvFormat f = CsvFormat.builder().classNames(List.of("no", "yes")).build();
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(f, "1,no\n2,maybe\n"));
    assertEquals("line 2", e.location());
  }

  @Test
  void rowLimitIsEnforced() {
    CsvFormat f = CsvFormat.builder().maxRows(2).build();
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(f, "1,0\n2,0\n3,1\n4,1\n"));
    assertTrue(e.getMessage().contains("more than 2 rows"), e.getMessage());
  }

  @Test
  void columnLimitIsEnforced() {
    CsvFormat f = CsvFormat.builder().maxColumns(3).build();
    assertThrows(DatasetFormatException.class, () -> read(f, "1,2,3,4,0\n"));
  }

  @Test
  void missingLabelColumnIsReported() {
    CsvFormat f = CsvFormat.builder().labelColumn("target").build();
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(f, "a,b\n1,2\n"));
    assertTrue(e.getMessage().contains("no label column named 'target'"), e.getMessage());
  }

  @Test
  void emptyInputIsReported() {
    assertThrows(DatasetFormatException.class, () -> read("\n\n"));
    assertThrows(DatasetFormatException.class, () -> read("a,b,y\n"));
  }

  @Test
  void bundledBreastCancerLoads() throws IOException {
    Dataset d = BundledData.locate().breastCancer();
    assertEquals(569, d.size());
    assertEquals(30, d.numFeatures());
    assertEquals(List.of("benign", "malignant"), d.classNames());
    assertEquals("mean_radius", d.featureNames().get(0));
    assertEquals(17.99f, d.feature(0, 0));
    assertEquals(1, d.label(0));
  }

  @Test
  void anEmptyCellIsNamedAsSuchAndIsNoHeader() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read("1,,3,0\n4,5,6,1\n"));
    assertEquals("t.csv: line 1, column 2 (f1): empty cell: a number is missing", e.getMessage());
    e = assertThrows(DatasetFormatException.class, () -> read("a,b,y\n1,2,0\n3, ,1\n"));
    assertEquals("line 3, column 2 (b)", e.location());
  }

  private static List<CsvReader.Row> rows(CsvFormat.Builder format, Path dir, String text) throws IOException {
    return new CsvReader(format.build()).readRows(Files.writeString(dir.resolve("in.csv"), text));
  }

  private static List<CsvReader.Row> rows(Path dir, String text) throws IOException {
    return rows(CsvFormat.builder().detectDelimiter().commentLines(true), dir, text);
  }

  @Test
  void featureRowsKeepTheirLinesAndEveryColumn(@TempDir Path dir) throws IOException {
    List<CsvReader.Row> r = rows(dir, "# inputs\nx,y,z\n\n1,2,3\n0.1,-5,1e3\n7,8\n");
    assertEquals(List.of(4, 5, 6), r.stream().map(CsvReader.Row::line).toList());
    assertArrayEquals(new double[] {0.1, -5, 1000}, r.get(1).values(), "parsed as doubles");
    assertEquals(2, r.get(2).values().length, "the caller checks the count");
    assertEquals(1, rows(dir, "5\n").size(), "one column, no label");
  }

  @Test
  void featureRowsDetectTheirSeparator(@TempDir Path dir) throws IOException {
    double[] expected = {1, 2.5, 3};
    assertArrayEquals(expected, rows(dir, "1;2.5;3\n").get(0).values());
    assertArrayEquals(expected, rows(dir, "1\t2.5\t3\n").get(0).values());
    assertArrayEquals(expected, rows(dir, "  1   2.5    3  \n").get(0).values(), "runs of spaces");
    assertArrayEquals(expected, rows(dir, "a b c\n1 2.5 3\n").get(0).values(), "header detected");
  }

  @Test
  void featureRowErrorsNameFileLineAndColumn(@TempDir Path dir) {
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> rows(dir, "a,b\n1,2\n3,\n"));
    assertEquals(dir.resolve("in.csv") + ": line 3, column 2 (b): empty cell: a number is missing", e.getMessage());
    e = assertThrows(DatasetFormatException.class, () -> rows(dir, "1,2\n3,x\n"));
    assertEquals("line 2, column 2", e.location());
    e = assertThrows(DatasetFormatException.class, () -> rows(CsvFormat.builder().maxRows(2), dir, "h\n1\n2\n3\n"));
    assertTrue(e.getMessage().endsWith("line 4: more than 2 rows (limit)"), e.getMessage());
  }

  @Test
  void gzipFilesAreReadFromDisk(@TempDir Path dir) throws IOException {
    Path file = Files.write(dir.resolve("rows"), IdxBytes.gzip("a,y\n1,0\n2,1\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals(2, new CsvReader(CsvFormat.builder().build()).read(file).size());
  }
}
