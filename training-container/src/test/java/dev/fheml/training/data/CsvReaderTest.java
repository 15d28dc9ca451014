package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    assertEquals(3, d.numClasses());
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
}
