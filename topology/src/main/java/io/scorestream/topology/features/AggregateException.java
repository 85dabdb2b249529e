package io.scorestream.topology.features;

/**
 * An event whose aggregates cannot be computed: the record goes to the dead-letter topic with
 * {@link #reason()}. Thrown by {@link FeatureEngine#compute} before it changes any state, so the
 * store is as it was before the event.
 */
public final class AggregateException extends RuntimeException {

    /** A field the aggregate needs is not in the event's schema, or of a type it cannot take. */
    public static final String MISSING_FIELD = "aggregate_missing_field";
    /** The group_by field is null in the event, or the record key is null for the key group. */
    public static final String NULL_GROUP = "aggregate_null_group";
    /** The group_by field's value is not the record key: the group's events may be on other partitions. */
    public static final String NOT_PARTITIONED = "aggregate_not_partitioned";

    private static final long serialVersionUID = 1L;

    private final String reason;

    public AggregateException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** The dead-letter reason: {@link #MISSING_FIELD}, {@link #NULL_GROUP} or {@link #NOT_PARTITIONED}. */
    public String reason() {
        return reason;
    }
}
