package io.scorestream.inference.features;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.AggregateFilter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The validated, immutable form of one {@link Aggregate} of a model spec: what {@link FeatureEngine}
 * computes. Built with {@link #of(Aggregate)}, which resolves the default bucket and refuses what
 * cannot be computed; whether the fields exist in the events, and whether the filter's value fits
 * its field, is only known per event schema and is checked by the engine.
 *
 * <p>Two definitions are {@link #equals equal} when every part is (name and include_current too);
 * two definitions share stored state when their {@link #stateId()} is equal, i.e. when they differ at
 * most in name and include_current. Thread-safe (immutable).
 */
public final class AggregateDefinition {

    /** The most buckets one aggregate keeps (window + grace over bucket). */
    public static final int MAX_BUCKETS = 10_000;

    /** The function an aggregate computes over the window. */
    public enum Function {
        COUNT(1, false),
        SUM(2, true),
        MEAN(3, true),
        MIN(4, true),
        MAX(5, true),
        STDDEV(6, true),
        COUNT_DISTINCT(7, true),
        LAST(8, true),
        SINCE_LAST(9, false);

        private final byte code;
        private final boolean takesField;

        Function(int code, boolean takesField) {
            this.code = (byte) code;
            this.takesField = takesField;
        }

        /** The name used in specs and in the text syntax, e.g. {@code count_distinct}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether the function aggregates a field ({@code count} and {@code since_last} take none). */
        public boolean takesField() {
            return takesField;
        }

        /** The function named by {@code text} (lower case, as in a spec), or null if there is none. */
        public static Function fromText(String text) {
            if (text == null) {
                return null;
            }
            for (Function f : values()) {
                if (f.text().equals(text)) {
                    return f;
                }
            }
            return null;
        }

        /** Every function's text, for messages: {@code count, sum, ...}. */
        public static String validNames() {
            final StringBuilder b = new StringBuilder();
            for (Function f : values()) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(f.text());
            }
            return b.toString();
        }

        /** Stable one-byte code of the function in stored state (never the ordinal). */
        public byte code() {
            return code;
        }

        /** The function of a stored {@link #code()}; null for an unknown one. */
        public static Function ofCode(byte code) {
            for (Function f : values()) {
                if (f.code == code) {
                    return f;
                }
            }
            return null;
        }
    }

    private static final Pattern AVRO_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final long SECOND = 1_000L;
    /** Default buckets, largest first: 1 h, 10 min, 1 min, 10 s, 1 s. */
    private static final long[] DEFAULT_BUCKETS = {3_600_000L, 600_000L, 60_000L, 10_000L, SECOND};

    private final String name;
    private final Function function;
    private final String field;
    private final String groupBy;
    private final long windowMs;
    private final long bucketMs;
    private final long graceMs;
    private final boolean includeCurrent;
    private final String filterField;
    private final boolean filterNegated;
    private final String filterValue;
    private final long stateId;
    private final int hash;

    private AggregateDefinition(String name, Function function, String field, String groupBy, long windowMs,
                                long bucketMs, long graceMs, boolean includeCurrent, String filterField,
                                boolean filterNegated, String filterValue) {
        this.name = name;
        this.function = function;
        this.field = field;
        this.groupBy = groupBy;
        this.windowMs = windowMs;
        this.bucketMs = bucketMs;
        this.graceMs = graceMs;
        this.includeCurrent = includeCurrent;
        this.filterField = filterField;
        this.filterNegated = filterNegated;
        this.filterValue = filterValue;
        this.stateId = computeStateId();
        this.hash = Objects.hash(name, function, field, groupBy, windowMs, bucketMs, graceMs, includeCurrent,
                filterField, filterNegated, filterValue);
    }

    /**
     * Validates {@code a} and resolves its bucket.
     *
     * @throws IllegalArgumentException naming the aggregate and what is wrong with it
     */
    public static AggregateDefinition of(Aggregate a) {
        Objects.requireNonNull(a, "aggregate");
        final String name = a.getName();
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("aggregate has an empty name; give it a name that input columns"
                    + " can use (letters, digits and _, not starting with a digit)");
        }
        final String label = "aggregate '" + name + "'";
        if (!AVRO_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(label + ": the name is not a valid Avro name (letters, digits and _,"
                    + " not starting with a digit)");
        }
        final Function function = Function.fromText(a.getFunction());
        if (function == null) {
            throw new IllegalArgumentException(label + ": unknown function '" + a.getFunction() + "'; valid: "
                    + Function.validNames());
        }
        final String field = a.getField();
        if (function.takesField() && (field == null || field.isEmpty())) {
            throw new IllegalArgumentException(label + ": " + function.text() + " needs a field");
        }
        if (!function.takesField() && field != null) {
            throw new IllegalArgumentException(label + ": " + function.text() + " takes no field, but field '"
                    + field + "' is given");
        }
        final String groupBy = a.getGroupBy();
        if (groupBy != null && groupBy.isEmpty()) {
            throw new IllegalArgumentException(label + ": group_by is empty; leave it null to group by the"
                    + " record key");
        }
        final long windowMs = a.getWindowMs();
        if (windowMs < 1) {
            throw new IllegalArgumentException(label + ": window_ms must be at least 1, not " + windowMs);
        }
        final long graceMs = a.getGraceMs();
        if (graceMs < 0) {
            throw new IllegalArgumentException(label + ": grace_ms must not be negative, not " + graceMs);
        }
        final long bucketMs;
        if (a.getBucketMs() == null) {
            bucketMs = defaultBucketMs(windowMs);
            if (bucketMs == 0) {
                throw new IllegalArgumentException(label + ": a window of " + windowMs + " ms is shorter than"
                        + " 1 s, the smallest default bucket; give bucket_ms");
            }
            if (windowMs % bucketMs != 0) {
                throw new IllegalArgumentException(label + ": window_ms " + windowMs + " is not a multiple of"
                        + " the default bucket of " + bucketMs + " ms; give bucket_ms");
            }
        } else {
            bucketMs = a.getBucketMs();
            if (bucketMs < 1) {
                throw new IllegalArgumentException(label + ": bucket_ms must be at least 1, not " + bucketMs);
            }
            if (windowMs % bucketMs != 0) {
                throw new IllegalArgumentException(label + ": bucket_ms " + bucketMs + " does not divide"
                        + " window_ms " + windowMs);
            }
        }
        if (graceMs > Long.MAX_VALUE - windowMs) {
            throw new IllegalArgumentException(label + ": window_ms + grace_ms is too large");
        }
        final long buckets = ceilDiv(windowMs + graceMs, bucketMs);
        if (buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException(label + ": window + grace spans " + buckets + " buckets of "
                    + bucketMs + " ms, more than " + MAX_BUCKETS + "; use a larger bucket_ms");
        }
        final AggregateFilter filter = a.getFilter();
        String filterField = null;
        boolean filterNegated = false;
        String filterValue = null;
        if (filter != null) {
            filterField = filter.getField();
            filterNegated = filter.getNegated();
            filterValue = filter.getValue();
            if (filterField == null || filterField.isEmpty()) {
                throw new IllegalArgumentException(label + ": the filter has no field");
            }
            if (filterValue == null) {
                throw new IllegalArgumentException(label + ": the filter on '" + filterField + "' has no value");
            }
        }
        return new AggregateDefinition(name, function, field, groupBy, windowMs, bucketMs, graceMs,
                a.getIncludeCurrent(), filterField, filterNegated, filterValue);
    }

    /**
     * The bucket chosen for a window when a spec gives none: the largest of 1 s, 10 s, 1 min, 10 min
     * and 1 h that is at most a 60th of the window, and at least 1 s; 0 when the window is shorter
     * than 1 s (no default: the spec must give one). Whether it divides the window is not checked
     * here.
     */
    public static long defaultBucketMs(long windowMs) {
        if (windowMs < SECOND) {
            return 0;
        }
        for (long b : DEFAULT_BUCKETS) {
            if (b * 60 <= windowMs) {
                return b;
            }
        }
        return SECOND;
    }

    /** This definition back as a spec entry, with the bucket resolved. */
    public Aggregate toAggregate() {
        final Aggregate.Builder b = Aggregate.newBuilder()
                .setName(name)
                .setFunction(function.text())
                .setField(field)
                .setGroupBy(groupBy)
                .setWindowMs(windowMs)
                .setBucketMs(bucketMs)
                .setGraceMs(graceMs)
                .setIncludeCurrent(includeCurrent)
                .setFilter(null);
        if (filterField != null) {
            b.setFilter(AggregateFilter.newBuilder().setField(filterField).setNegated(filterNegated)
                    .setValue(filterValue).build());
        }
        return b.build();
    }

    public String name() {
        return name;
    }

    public Function function() {
        return function;
    }

    /** The aggregated field; null for count and since_last. */
    public String field() {
        return field;
    }

    /** The grouping field; null: the record key. */
    public String groupBy() {
        return groupBy;
    }

    public long windowMs() {
        return windowMs;
    }

    /** The bucket, resolved: never 0. */
    public long bucketMs() {
        return bucketMs;
    }

    public long graceMs() {
        return graceMs;
    }

    public boolean includeCurrent() {
        return includeCurrent;
    }

    /** Whether only some events update the aggregate. */
    public boolean hasFilter() {
        return filterField != null;
    }

    /** The filter's field; null without a filter. */
    public String filterField() {
        return filterField;
    }

    /** Whether the filter is {@code !=}; false without a filter. */
    public boolean filterNegated() {
        return filterNegated;
    }

    /** The filter's value as text; null without a filter. */
    public String filterValue() {
        return filterValue;
    }

    /** The number of buckets the window spans (window / bucket). */
    public long windowBuckets() {
        return windowMs / bucketMs;
    }

    /** The number of buckets kept: ceil((window + grace) / bucket), at most {@link #MAX_BUCKETS}. */
    public long retainedBuckets() {
        return ceilDiv(windowMs + graceMs, bucketMs);
    }

    /**
     * A stable id of everything the stored state depends on: function, field, group_by, filter,
     * bucket, window and grace, but not the name nor include_current. The first 8 bytes (big-endian)
     * of the SHA-256 of a canonical UTF-8 text of those parts, so it is the same in every JVM and
     * version of this code; two model versions that declare the same aggregate share its state, and a
     * changed definition starts from empty.
     */
    public long stateId() {
        return stateId;
    }

    /** Whether the value can be null (mean, min, max, stddev, last, since_last). */
    public boolean nullable() {
        return switch (function) {
            case COUNT, SUM, COUNT_DISTINCT -> false;
            default -> true;
        };
    }

    /** Whether the value is a Long (count, count_distinct); all others are Double. */
    public boolean integral() {
        return function == Function.COUNT || function == Function.COUNT_DISTINCT;
    }

    /** The text the state id hashes; every string length-prefixed so no two definitions share one. */
    String canonicalStateText() {
        final StringBuilder b = new StringBuilder(128);
        b.append("scorestream-aggregate-state/1");
        b.append(";function=").append(function.text());
        b.append(";field=");
        appendText(b, field);
        b.append(";group_by=");
        appendText(b, groupBy);
        b.append(";filter=");
        if (filterField == null) {
            b.append('-');
        } else {
            b.append(filterNegated ? "!=" : "=").append(',');
            appendText(b, filterField);
            b.append(',');
            appendText(b, filterValue);
        }
        b.append(";bucket_ms=").append(bucketMs);
        b.append(";window_ms=").append(windowMs);
        b.append(";grace_ms=").append(graceMs);
        return b.toString();
    }

    private static void appendText(StringBuilder b, String s) {
        if (s == null) {
            b.append('-');
        } else {
            b.append(s.length()).append(':').append(s);
        }
    }

    private long computeStateId() {
        final byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonicalStateText().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        long id = 0;
        for (int i = 0; i < 8; i++) {
            id = (id << 8) | (digest[i] & 0xFF);
        }
        return id;
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AggregateDefinition d)) {
            return false;
        }
        return windowMs == d.windowMs && bucketMs == d.bucketMs && graceMs == d.graceMs
                && includeCurrent == d.includeCurrent && filterNegated == d.filterNegated
                && function == d.function && name.equals(d.name) && Objects.equals(field, d.field)
                && Objects.equals(groupBy, d.groupBy) && Objects.equals(filterField, d.filterField)
                && Objects.equals(filterValue, d.filterValue);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The text syntax of {@link AggregateSyntax}, e.g. {@code amount_sum_24h=sum(amount) by account_id over 24h}. */
    @Override
    public String toString() {
        return AggregateSyntax.format(toAggregate());
    }
}
