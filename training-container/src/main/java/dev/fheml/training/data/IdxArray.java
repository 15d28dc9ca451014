package dev.fheml.training.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable n-dimensional array of unsigned bytes as stored in an IDX file (the MNIST format):
 * dimensions outermost first, elements in row-major order.
 */
public final class IdxArray {
  private final int[] dims;
  private final byte[] data;

  /**
   * @param dims dimensions, each at least 1, at least one dimension
   * @param data the elements, length = product of {@code dims}; copied
   * @throws IllegalArgumentException if the sizes disagree
   */
  public IdxArray(int[] dims, byte[] data) {
    Objects.requireNonNull(dims, "dims");
    Objects.requireNonNull(data, "data");
    if (dims.length == 0) {
      throw new IllegalArgumentException("an IDX array has at least one dimension");
    }
    long count = 1;
    for (int d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("dimension " + d + " is not positive: " + Arrays.toString(dims));
      }
      count *= d;
      if (count > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("too many elements: " + Arrays.toString(dims));
      }
    }
    if (count != data.length) {
      throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + count
          + " elements, got " + data.length);
    }
    this.dims = dims.clone();
    this.data = data.clone();
  }

  /** A copy of the dimensions. */
  public int[] dims() {
    return dims.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** Size of dimension {@code axis}. */
  public int dim(int axis) {
    return dims[axis];
  }

  /** Total number of elements. */
  public int size() {
    return data.length;
  }

  /** Element {@code index} in row-major order, as an unsigned value in [0, 255]. */
  public int unsigned(int index) {
    return data[index] & 0xFF;
  }

  /** A copy of the raw element bytes. */
  public byte[] bytes() {
    return data.clone();
  }

  @Override
  public String toString() {
    return "IdxArray" + Arrays.toString(dims);
  }
}
