package dev.fheml.core;

/**
 * Functions applied by the programmable bootstrap, one per output or one shared by all.
 *
 * <p>Each table lists f(v) for v in [0, domain); the input must be encoded as
 * v·{@link FheParameters#inputDelta(int) inputDelta(domain)} and the output is f(v)·deltaOut.
 * Each value owns a box of N/domain bootstrap positions centred on it; the bootstrap's reading
 * noise (σ ≈ 5 positions, see {@link NoiseModel}) moves a value into a neighbouring box only when
 * the box is narrow: with domain = N this is the "approximate rounding" the compiler budgets for.
 *
 * <p>The bootstrap reads a circle of 2·domain values ({@link #readAt}). A plain table's second
 * half is negacyclic, −f(v − domain): a value that leaves [0, domain) reads a value of the wrong
 * sign. A {@link #saturating()} table's second half is s − f(v − domain) with s = f(0) + f(domain − 1):
 * when f is flat near both ends, a value past the top reads f(domain − 1) and a value below 0 reads
 * f(0), for as far as the other end's flat part is long (the engine stores 2f − s at deltaOut/2 and
 * adds s·deltaOut/2 to its output, so deltaOut must be even).
 */
public final class LookupTables {
    private final int domain;
    private final int count;
    private final long[] values;
    private final long deltaOut;
    private final boolean saturating;

    private LookupTables(int domain, int count, long[] values, long deltaOut, boolean saturating) {
        this.domain = domain;
        this.count = count;
        this.values = values;
        this.deltaOut = deltaOut;
        this.saturating = saturating;
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
        return new LookupTables(domain, tables.length, flat, deltaOut, false);
    }

    /** The same table for every output. */
    public static LookupTables shared(long[] table, long deltaOut) {
        return new LookupTables(table.length, 1, table.clone(), deltaOut, false);
    }

    /**
     * These tables, saturating past both ends (see the class comment).
     *
     * @throws IllegalArgumentException if deltaOut is odd
     */
    public LookupTables asSaturating() {
        if (deltaOut % 2 != 0) {
            throw new IllegalArgumentException("a saturating table needs an even output delta, got " + deltaOut);
        }
        return new LookupTables(domain, count, values, deltaOut, true);
    }

    /** Whether values past either end read that end's value (true) or wrap negacyclically (false). */
    public boolean saturating() {
        return saturating;
    }

    /**
     * What the bootstrap of output {@code output} reads at {@code index}, taken modulo 2·domain: f
     * on the first half; on the second, s − f (saturating) or −f (plain) of index − domain. The
     * arithmetic wraps like the 64-bit torus.
     */
    public long readAt(int output, long index) {
        long i = Math.floorMod(index, 2L * domain);
        if (i < domain) {
            return value(output, (int) i);
        }
        long mirrored = value(output, (int) (i - domain));
        return saturating ? value(output, 0) + value(output, domain - 1) - mirrored : -mirrored;
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
        return new LookupTables(domain, count, values.clone(), deltaOut, false);
    }

    long[] flat() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LookupTables t && t.domain == domain && t.count == count && t.deltaOut == deltaOut
                && t.saturating == saturating && java.util.Arrays.equals(t.values, values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values) * 31 + domain;
    }
}
