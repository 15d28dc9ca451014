package dev.fheml.core.circuit;

import java.util.Arrays;
import java.util.List;

/**
 * The shape of one model input and what the model does to the raw values the client sends, so a
 * client can check its inputs before encrypting them (an image of the wrong size is an error, not a
 * silently reshaped prediction). The preprocessing is a description: it is folded into the model, so
 * the client always sends raw values (pixels 0..255, CSV features as they are).
 *
 * @param shape         {@code [features]} for a flat vector, {@code [channels, height, width]} for an image
 * @param preprocessing what the model applies to the raw values, for people (e.g. {@code pixel / 255})
 */
public record InputLayout(List<Integer> shape, String preprocessing) {
    /** The description of raw features that the model's own input encoding scales. */
    public static final String AS_GIVEN = "features as given (scaled by the model's input encoding)";

    public InputLayout {
        shape = List.copyOf(shape);
        java.util.Objects.requireNonNull(preprocessing, "preprocessing");
        if (shape.size() != 1 && shape.size() != 3) {
            throw new IllegalArgumentException("an input layout is [features] or [channels, height, width], got " + shape);
        }
        long n = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("input layout dimensions must be positive, got " + shape);
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("input layout " + shape + " is too large");
        }
    }

    /** A flat vector of {@code features} values taken as they are. */
    public static InputLayout flat(int features) {
        return new InputLayout(List.of(features), AS_GIVEN);
    }

    /** An image of {@code channels × height × width} values, channel-major then row-major. */
    public static InputLayout image(int channels, int height, int width, String preprocessing) {
        return new InputLayout(List.of(channels, height, width), preprocessing);
    }

    public boolean isImage() {
        return shape.size() == 3;
    }

    /** Values per input. */
    public int features() {
        return shape.stream().reduce(1, (a, b) -> a * b);
    }

    /** {@code 784} or {@code 1×28×28}. */
    public String describeShape() {
        return String.join("×", shape.stream().map(String::valueOf).toList());
    }

    /**
     * Checks the dimensions of one stored input (an IDX file's dimensions after the first, the
     * count): an image model takes {@code [height, width]} (one channel) or {@code [channels,
     * height, width]}; a flat model takes any dimensions holding its number of values.
     *
     * @throws IllegalArgumentException naming {@code source}, what it holds and what the model takes
     */
    public void checkStored(int[] dims, String source) {
        int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        String have = String.join("×", Arrays.stream(dims).mapToObj(String::valueOf).toList());
        if (!isImage()) {
            if (n != features()) {
                throw new IllegalArgumentException(source + ": entries hold " + n + " values"
                        + (dims.length > 1 ? " (" + have + ")" : "") + " each, the model takes " + features());
            }
            return;
        }
        boolean matches = dims.length == 3 ? Arrays.equals(dims, shape.stream().mapToInt(Integer::intValue).toArray())
                : dims.length == 2 && shape.get(0) == 1 && dims[0] == shape.get(1) && dims[1] == shape.get(2);
        if (!matches) {
            throw new IllegalArgumentException(source + ": images are " + have + ", the model takes "
                    + describeShape() + " (channels×height×width) images, " + preprocessing + "; resize them first");
        }
    }

    @Override
    public String toString() {
        return describeShape() + (isImage() ? " image" : " features") + ", " + preprocessing;
    }
}
