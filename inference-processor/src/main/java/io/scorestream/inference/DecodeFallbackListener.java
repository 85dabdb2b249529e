package io.scorestream.inference;

/**
 * Told each time {@link BatchScorer#add(org.apache.avro.generic.IndexedRecord, byte[], int, int)}
 * could not read a record's fields straight from its bytes and read the decoded record instead.
 * Called on the scorer's thread, once per such record; must be cheap and must not throw.
 */
@FunctionalInterface
public interface DecodeFallbackListener {

    /** A value the fast read does not take (a null without default, a NaN, bad bytes...): the generic path decides. */
    String REASON_VALUE = "value";
    /** One field feeds two columns of the mapping. */
    String REASON_FIELD_MAPPED_TWICE = "field_mapped_twice";
    /** A string input column the writer lacks (string inputs take no default). */
    String REASON_STRING_DEFAULT = "string_default";

    /** Ignores every fallback. */
    DecodeFallbackListener NONE = reason -> { };

    /** @param reason why, one of the {@code REASON_} constants (or another short snake_case word) */
    void onFallback(String reason);
}
