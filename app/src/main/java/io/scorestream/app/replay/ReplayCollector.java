package io.scorestream.app.replay;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.topology.processor.LiveModelPlans;
import io.scorestream.topology.processor.ScoringObserver;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * What a replay saw, record by record, for its report: which records of the range reached the
 * scoring processor, each version's score and decision of each record, the record's label, and the
 * dead letters. Everything is keyed by the record's source partition and offset (and the version),
 * and the first report of a key wins, so a score reported again after an aborted transaction (the
 * record is processed again under exactly-once) or a dead letter read twice counts once. Scores and
 * dead letters of records outside the {@link ReplayRange} are ignored.
 *
 * <p>Threading: the {@link ScoringObserver} methods are called on the stream threads; every method
 * is synchronized. Memory: see {@link OffsetTable} (per record, 1 byte plus 9 per version that
 * scored it).
 */
final class ReplayCollector implements ScoringObserver {

    /** Record flag: the scoring processor accepted the record. */
    static final int READ = 1;
    /** Record label states, in bits 1-3 of the record byte. */
    static final int LABEL_UNSEEN = 0;
    static final int LABEL_NEGATIVE = 1;
    static final int LABEL_POSITIVE = 2;
    static final int LABEL_MISSING = 3;
    static final int LABEL_INVALID = 4;
    private static final int LABEL_SHIFT = 1;
    private static final int LABEL_BITS = 0b111 << LABEL_SHIFT;

    /** Score flags of one version's slot. */
    static final int SCORED = 1;
    static final int DECISION = 2;
    static final int CANARY = 4;

    /** Dead-letter key of records no version is named for (undecodable, unroutable, rejected features). */
    static final String NO_VERSION = "";

    private final ReplayRange range;
    private final String labelField;
    private final OffsetTable records;
    private final Map<String, OffsetTable> scores = new LinkedHashMap<>();
    private final Map<String, OffsetTable> deadLetters = new LinkedHashMap<>();
    private final List<String> reasons = new ArrayList<>();
    private final Map<String, Integer> reasonIndex = new LinkedHashMap<>();
    private final Map<Schema, Integer> labelPositions = new IdentityHashMap<>();
    /** By version, by aggregate: its values on the records the version scored (each record once). */
    private final Map<String, Map<String, FeatureColumn>> features = new LinkedHashMap<>();
    private long repeatedScores;
    private long outsideRange;

    /**
     * @param labelField event field holding the true label; null for none
     * @param versions the versions in report order (others are added in order of appearance)
     */
    ReplayCollector(ReplayRange range, String labelField, List<String> versions) {
        this.range = Objects.requireNonNull(range, "range");
        this.labelField = labelField;
        this.records = new OffsetTable(range, false);
        for (String v : versions) {
            scores.put(v, new OffsetTable(range, true));
        }
    }

    ReplayRange range() {
        return range;
    }

    String labelField() {
        return labelField;
    }

    /** The report shows each aggregate's distribution, with or without score.features.emit. */
    @Override
    public boolean wantsFeatureValues() {
        return true;
    }

    /** One aggregate's values over a version's records: the values (growing array) and the nulls. */
    static final class FeatureColumn {
        private double[] values = new double[1024];
        private int count;
        private long nulls;

        void add(Double value) {
            if (value == null) {
                nulls++;
                return;
            }
            if (count == values.length) {
                values = java.util.Arrays.copyOf(values, count * 2);
            }
            values[count++] = value;
        }

        /** A copy of the values (the report sorts it). */
        double[] values() {
            return java.util.Arrays.copyOf(values, count);
        }

        long count() {
            return count;
        }

        long nulls() {
            return nulls;
        }
    }

    /** The aggregates' values of the records {@code version} scored, by aggregate; empty for none. */
    Map<String, FeatureColumn> featureValues(String version) {
        return features.getOrDefault(version, Map.of());
    }

    /** The record at {@code partition}/{@code offset} reached the scoring processor. */
    synchronized void markRead(int partition, long offset) {
        final long i = records.slot(partition, offset);
        if (i >= 0) {
            records.setByte(partition, i, (byte) (records.getByte(partition, i) | READ));
        }
    }

    @Override
    public synchronized void onScore(ScoreResult score, GenericRecord event) {
        final Integer partition = score.getSourcePartition();
        final Long offset = score.getSourceOffset();
        final long i = partition == null || offset == null ? -1 : records.slot(partition, offset);
        if (i < 0 || LiveModelPlans.SHADOW.equals(score.getRole())) {
            outsideRange++;
            return;
        }
        final int p = partition;
        final OffsetTable table = scores.computeIfAbsent(score.getModelVersion(), v -> new OffsetTable(range, true));
        if ((table.getByte(p, i) & SCORED) != 0) {
            repeatedScores++;
            return;
        }
        int flags = SCORED;
        if (score.getDecision()) {
            flags |= DECISION;
        }
        if (LiveModelPlans.CANARY.equals(score.getRole())) {
            flags |= CANARY;
        }
        table.setByte(p, i, (byte) flags);
        table.setDouble(p, i, score.getScore());
        if (score.getFeatures() != null) {
            final Map<String, FeatureColumn> columns = features.computeIfAbsent(score.getModelVersion(),
                    v -> new LinkedHashMap<>());
            score.getFeatures().forEach((name, value) -> columns.computeIfAbsent(name, x -> new FeatureColumn())
                    .add(value));
        }
        final int record = records.getByte(p, i);
        if (labelField != null && (record & LABEL_BITS) == 0) {
            records.setByte(p, i, (byte) (record | (labelOf(event) << LABEL_SHIFT)));
        }
    }

    /**
     * A dead letter of the record at {@code partition}/{@code offset}.
     *
     * @param version the version it names, or null when it names none
     * @return whether it was new (not seen before for this record and version, and in the range)
     */
    synchronized boolean deadLettered(int partition, long offset, String version, String reason) {
        final long i = records.slot(partition, offset);
        if (i < 0) {
            return false;
        }
        final OffsetTable table = deadLetters.computeIfAbsent(version == null ? NO_VERSION : version,
                v -> new OffsetTable(range, false));
        if (table.getByte(partition, i) != 0) {
            return false;
        }
        Integer index = reasonIndex.get(reason);
        if (index == null) {
            // A slot holds the reason's index + 1 in one unsigned byte: past 254 reasons, "other".
            final String key = reasons.size() < 254 ? reason : "other";
            index = reasonIndex.computeIfAbsent(key, k -> {
                reasons.add(k);
                return reasons.size() - 1;
            });
        }
        table.setByte(partition, i, (byte) (index + 1));
        return true;
    }

    private int labelOf(GenericRecord event) {
        if (event == null) {
            return LABEL_MISSING;
        }
        final Schema schema = event.getSchema();
        Integer pos = labelPositions.get(schema);
        if (pos == null) {
            final Schema.Field f = schema.getField(labelField);
            pos = f == null ? -1 : f.pos();
            labelPositions.put(schema, pos);
        }
        return pos < 0 ? LABEL_MISSING : labelValue(event.get(pos));
    }

    /** The label state of a field value: boolean, or a number that is exactly 0 or 1. */
    static int labelValue(Object value) {
        if (value == null) {
            return LABEL_MISSING;
        }
        if (value instanceof Boolean b) {
            return b ? LABEL_POSITIVE : LABEL_NEGATIVE;
        }
        if (value instanceof Number n) {
            final double d = n.doubleValue();
            return d == 0.0 ? LABEL_NEGATIVE : d == 1.0 ? LABEL_POSITIVE : LABEL_INVALID;
        }
        return LABEL_INVALID;
    }

    // ---- read by the report, after the run (the caller holds this object's lock) ----

    OffsetTable records() {
        return records;
    }

    static int labelState(int recordByte) {
        return (recordByte & LABEL_BITS) >>> LABEL_SHIFT;
    }

    /** Each version's scores, in report order. */
    Map<String, OffsetTable> scores() {
        return scores;
    }

    /** Dead letters by the version they name ({@link #NO_VERSION} for none); slot value = reason index + 1. */
    Map<String, OffsetTable> deadLetters() {
        return deadLetters;
    }

    String reason(int slotValue) {
        return reasons.get((slotValue & 0xff) - 1);
    }

    /** Scores reported again for a record and version already scored (retried transactions): ignored. */
    long repeatedScores() {
        return repeatedScores;
    }

    /** Scores of records outside the range (or shadow scores): ignored. */
    long outsideRange() {
        return outsideRange;
    }
}
