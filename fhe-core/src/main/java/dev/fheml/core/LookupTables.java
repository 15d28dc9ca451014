package dev.fheml.core;

/**
 * Functions applied by the programmable bootstrap, one per output or one shared by all.
 *
 * <p>Each table lists f(v) for v in [0, domain); the input must be encoded as
 * v·{@link FheParameters#inputDelta(int) inputDelta(domain)} and the output is f(v)·deltaOut.
 * Each value owns a box of N/domain bootstrap positions centred on it; the bootstrap's reading
 * noise (σ ≈ 5 positions, see {@link NoiseModel}) moves a value into a neighbouring box only when
 * the box is narrow: with domain = N this is the "approximate rounding" the compiler budgets for.
 */
public final class LookupTables {
    private final int domain;
    private final int count;
    private final long[] values;
    private final long deltaOut;

    private LookupTables(int domain, int count, long[] values, long deltaOut) {
        this.domain = domain;
        this.count = count;
        this.values = values;
        this.deltaOut = deltaOut;
    }

    /** One table per output, all of the same domain. */
    public static LookupTables perOutput(long[][] tables, long deltaOut) {
        if (tables.length == 0) {
            throw new IllegalArgumentException("no lookup table given");
        }
        int domain = tables[0].length;
        long[] flat = new long[tables.length * domain];
        for (int j = 0; j < tables.length; j++) {
            if (tables[j].length != domain) {
                throw new IllegalArgumentException(
                        "table " + j + " has " + tables[j].length + " values, expected " + domain);
            }
            System.arraycopy(tables[j], 0, flat, j * domain, domain);
        }
        return new LookupTables(domain, tables.length, flat, deltaOut);
    }

    /** The same table for every output. */
    public static LookupTables shared(long[] table, long deltaOut) {
        return new LookupTables(table.length, 1, table.clone(), deltaOut);
    }

    public int domain() {
        return domain;
    }

    /** Number of tables: 1 (shared) or one per output. */
    public int count() {
        return count;
    }

    public long deltaOut() {
        return deltaOut;
    }

    /** f_j(v). */
    public long value(int output, int v) {
        return values[(count == 1 ? 0 : output) * domain + v];
    }

    /** All table values, table-major (a copy). */
    public long[] flatValues() {
        return values.clone();
    }

    /** Rebuilds tables from {@link #flatValues()}. */
    public static LookupTables fromFlat(int domain, int count, long[] values, long deltaOut) {
        if (domain < 1 || count < 1 || values.length != (long) domain * count) {
            throw new IllegalArgumentException(values.length + " table values do not form " + count
                    + " tables of " + domain);
        }
        return new LookupTables(domain, count, values.clone(), deltaOut);
    }

    long[] flat() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LookupTables t && t.domain == domain && t.count == count && t.deltaOut == deltaOut
                && java.util.Arrays.equals(t.values, values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values) * 31 + domain;
    }
}
