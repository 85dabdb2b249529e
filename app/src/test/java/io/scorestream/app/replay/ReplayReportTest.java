package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.app.replay.ReplayReport.Comparison;
import io.scorestream.app.replay.ReplayReport.Distribution;
import io.scorestream.app.replay.ReplayReport.Version;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The report's math against small cases computed by hand, and its accounting: de-duplication,
 * dead letters with and without a version, records left unaccounted.
 */
class ReplayReportTest {

    private static final double EPS = 1e-12;
    private static final Schema EVENT = SchemaBuilder.record("Event").fields()
            .name("label").type().unionOf().nullType().and().intType().and().booleanType().endUnion().nullDefault()
            .endRecord();

    /** Partition 0: offsets [0, 10); partition 1: offsets [5, 8). */
    private static ReplayRange range() {
        return new ReplayRange("tx", List.of(new ReplayRange.Partition(0, 0, 10, 10),
                new ReplayRange.Partition(1, 5, 8, 8)));
    }

    private static GenericRecord event(Object label) {
        final GenericRecord r = new GenericData.Record(EVENT);
        r.put("label", label);
        return r;
    }

    private static ScoreResult score(String version, int partition, long offset, double score, double threshold,
                                     String role) {
        final ScoreResult s = new ScoreResult();
        s.setEventId("tx-" + partition + "@" + offset);
        s.setModelName("fraud");
        s.setModelVersion(version);
        s.setScore(score);
        s.setDecision(score >= threshold);
        s.setEventTime(Instant.EPOCH);
        s.setScoredAt(Instant.EPOCH);
        s.setBatchSize(0);
        s.setInferenceMicros(0L);
        s.setLatencyMs(0L);
        s.setSourceTopic("tx");
        s.setSourcePartition(partition);
        s.setSourceOffset(offset);
        s.setRole(role);
        return s;
    }

    private static ReplayReport.Run run(boolean asOf, List<String> versions, ReplayRange range) {
        return new ReplayReport.Run("scorestream-replay-test", "tx", "out", "out-dlq", "fraud", asOf, versions, null,
                null, 64, 0, "label", Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-01T00:00:10Z"),
                range);
    }

    /**
     * Two versions side by side. Partition 0, offsets 0..9: version 1 scores 0.05, 0.15, ..., 0.95;
     * version 2 the same except 0.60 at offset 4 and 0.40 at offset 5, and offset 9 is a dead letter
     * (non-finite score) for version 2. Labels: positive at offsets 4, 6, 7, 8, 9. Partition 1:
     * offsets 5 and 6 score 0.3 with both (label null, label 2 = invalid); offset 7 never decoded
     * (a dead letter naming no version).
     */
    private static ReplayReport sideBySide() {
        final ReplayRange range = range();
        final ReplayCollector c = new ReplayCollector(range, "label", List.of("1", "2"));
        final boolean[] positive = {false, false, false, false, true, false, true, true, true, true};
        for (int o = 0; o < 10; o++) {
            c.markRead(0, o);
            final double s1 = 0.05 + 0.1 * o;
            c.onScore(score("1", 0, o, s1, 0.5, "stable"), event(positive[o]));
            if (o < 9) {
                final double s2 = o == 4 ? 0.60 : o == 5 ? 0.40 : s1;
                c.onScore(score("2", 0, o, s2, 0.5, "stable"), event(positive[o]));
            }
        }
        assertTrue(c.deadLettered(0, 9, "2", "non_finite_score"));
        c.markRead(1, 5);
        c.markRead(1, 6);
        for (String v : List.of("1", "2")) {
            c.onScore(score(v, 1, 5, 0.3, 0.5, "stable"), event(null));
            c.onScore(score(v, 1, 6, 0.3, 0.5, "stable"), event(2));
        }
        assertTrue(c.deadLettered(1, 7, null, "wrong_magic_byte"));
        // A retried transaction reports a score again, a dead letter is read twice: counted once.
        c.onScore(score("1", 0, 3, 0.99, 0.5, "stable"), event(true));
        assertTrue(!c.deadLettered(1, 7, null, "wrong_magic_byte"));
        // Outside the range: ignored.
        c.onScore(score("1", 1, 8, 0.5, 0.5, "stable"), event(true));
        assertTrue(!c.deadLettered(0, 10, null, "missing_value"));
        return ReplayReport.compute(c, run(false, List.of("1", "2"), range), Map.of("1", 0.5, "2", 0.5));
    }

    @Test
    void countsRecordsDeadLettersAndDuplicatesOnce() {
        final ReplayReport r = sideBySide();
        assertEquals(13, r.recordsInRange());
        assertEquals(2, r.deadLetters());
        assertEquals(Map.of("non_finite_score", 1L, "wrong_magic_byte", 1L), r.deadLettersByReason());
        assertEquals(Map.of("wrong_magic_byte", 1L), r.withoutVersionByReason());
        assertEquals(0, r.unaccounted());
        assertEquals(1, r.repeatedScores());
    }

    @Test
    void computesOneVersionsDistributionByHand() {
        final Version v1 = sideBySide().version("1");
        assertEquals(12, v1.scored());
        assertEquals(Map.of("stable", 12L), v1.roles());
        // A record refused before scoring was missed by every version replayed side by side.
        assertEquals(1, v1.deadLettered());
        assertEquals(Map.of("wrong_magic_byte", 1L), v1.deadLetteredByReason());
        final Distribution d = v1.scores();
        // 0.05 0.15 0.25 0.3 0.3 0.35 0.45 0.55 0.65 0.75 0.85 0.95
        assertEquals(5.6 / 12, d.mean(), EPS);
        assertEquals(0.05, d.min(), EPS);
        assertEquals(0.95, d.max(), EPS);
        assertEquals(0.35, d.p50(), EPS); // 6th of 12
        assertEquals(0.85, d.p90(), EPS); // ceil(10.8) = 11th
        assertEquals(0.95, d.p99(), EPS); // ceil(11.88) = 12th
        assertEquals(0.0, d.histogramLower());
        assertEquals(1.0, d.histogramUpper());
        assertArrayEquals(new long[] {1, 1, 1, 3, 1, 1, 1, 1, 1, 1}, d.histogram());
        assertEquals(5.0 / 12, v1.decisionRate(), EPS);
        assertEquals(0.5, v1.threshold());
    }

    @Test
    void computesPrecisionRecallAucAndTheConfusionMatrixByHand() {
        final ReplayReport.Labels l = sideBySide().version("1").labels();
        assertEquals("label", l.field());
        assertEquals(10, l.labelled());
        assertEquals(5, l.positives());
        assertEquals(5, l.negatives());
        assertEquals(1, l.missing());
        assertEquals(1, l.invalid());
        // Decisions (score >= 0.5) at offsets 5..9; positives at 4, 6, 7, 8, 9.
        assertEquals(4, l.matrix().truePositives());
        assertEquals(1, l.matrix().falsePositives());
        assertEquals(4, l.matrix().trueNegatives());
        assertEquals(1, l.matrix().falseNegatives());
        assertEquals(0.8, l.matrix().precision(), EPS);
        assertEquals(0.8, l.matrix().recall(), EPS);
        // Positive 0.45 beats 4 of the 5 negatives, the others all 5: 24 of 25 pairs.
        assertEquals(0.96, l.rocAuc(), EPS);
    }

    @Test
    void accountsForTheSecondVersionsDeadLetters() {
        final Version v2 = sideBySide().version("2");
        assertEquals(11, v2.scored());
        assertEquals(2, v2.deadLettered());
        assertEquals(Map.of("non_finite_score", 1L, "wrong_magic_byte", 1L), v2.deadLetteredByReason());
        assertEquals(9, v2.labels().labelled());
        // Offsets 0..8: 0.05 .15 .25 .35 .60 .40 .65 .75 .85; positives 4, 6, 7, 8 -> all decided positive.
        assertEquals(4, v2.labels().matrix().truePositives());
        assertEquals(0, v2.labels().matrix().falsePositives());
        assertEquals(5, v2.labels().matrix().trueNegatives());
        assertEquals(0, v2.labels().matrix().falseNegatives());
        assertEquals(1.0, v2.labels().rocAuc(), EPS);
    }

    @Test
    void comparesTwoVersionsOnTheRecordsBothScored() {
        final List<Comparison> cs = sideBySide().comparisons();
        assertEquals(1, cs.size());
        final Comparison c = cs.get(0);
        assertEquals("1", c.a());
        assertEquals("2", c.b());
        assertEquals(11, c.records());
        assertEquals(9.0 / 11, c.decisionAgreement(), EPS);
        assertEquals(0.30 / 11, c.meanAbsScoreDifference(), 1e-9);
        assertEquals(0.15, c.maxAbsScoreDifference(), 1e-9);
        assertEquals(1, c.positiveOnlyInA()); // offset 5: 0.55 vs 0.40
        assertEquals(1, c.positiveOnlyInB()); // offset 4: 0.45 vs 0.60
    }

    @Test
    void asOfEachRecordNeedsOneScoreOrDeadLetterAndNoComparisonIsMade() {
        final ReplayRange range = range();
        final ReplayCollector c = new ReplayCollector(range, null, List.of("1", "2"));
        for (int o = 0; o < 10; o++) {
            c.markRead(0, o);
        }
        c.deadLettered(0, 0, null, "no_model_as_of");
        c.deadLettered(0, 1, null, "no_model_as_of");
        for (int o = 2; o < 6; o++) {
            c.onScore(score("1", 0, o, 0.2, 0.5, "stable"), event(null));
        }
        for (int o = 6; o < 9; o++) {
            c.onScore(score("2", 0, o, 0.7, 0.5, o == 8 ? "canary" : "stable"), event(null));
        }
        // offset 9 read, never scored nor dead-lettered: unaccounted
        final ReplayReport r = ReplayReport.compute(c, run(true, List.of("1", "2"), range), Map.of("1", 0.5, "2", 0.5));
        assertEquals(10, r.recordsInRange());
        assertEquals(1, r.unaccounted());
        assertEquals(Map.of("no_model_as_of", 2L), r.withoutVersionByReason());
        assertEquals(4, r.version("1").scored());
        assertEquals(0, r.version("1").deadLettered());
        assertEquals(Map.of("stable", 2L, "canary", 1L), r.version("2").roles());
        assertNull(r.version("2").labels());
        assertEquals(List.of(), r.comparisons());
    }

    @Test
    void aHistogramOutsideTheUnitIntervalSpansMinToMax() {
        final Distribution d = ReplayReport.distribution(new double[] {2.0, -2.0, 0.0, 1.0});
        assertEquals(-2.0, d.histogramLower());
        assertEquals(2.0, d.histogramUpper());
        // bins of width 0.4: -2 -> 0; 0 -> 5; 1 -> 7 (1.0 = -2 + 7.5 * 0.4); 2 -> last bin (closed)
        assertArrayEquals(new long[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 1}, d.histogram());
        assertEquals(0.25, d.mean(), EPS);
        assertEquals(0.0, d.p50(), EPS); // 2nd of 4
    }

    @Test
    void percentilesAreNearestRank() {
        final double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, ReplayReport.percentile(sorted, 0.50));
        assertEquals(9, ReplayReport.percentile(sorted, 0.90));
        assertEquals(10, ReplayReport.percentile(sorted, 0.99));
        assertEquals(1, ReplayReport.percentile(new double[] {1}, 0.99));
    }

    @Test
    void noScoresGiveZerosAndOneClassGivesNoAuc() {
        final Distribution d = ReplayReport.distribution(new double[0]);
        assertEquals(0, d.count());
        assertArrayEquals(new long[10], d.histogram());
        final ReplayReport.Labels l = ReplayReport.labels("y", new double[] {0.1, 0.9}, new boolean[] {false, true},
                new boolean[] {true, true}, 0, 0);
        assertNull(l.rocAuc());
        assertEquals(0.5, l.matrix().recall(), EPS);
    }

    @Test
    void readsBooleanAndZeroOneLabels() {
        assertEquals(ReplayCollector.LABEL_POSITIVE, ReplayCollector.labelValue(true));
        assertEquals(ReplayCollector.LABEL_NEGATIVE, ReplayCollector.labelValue(false));
        assertEquals(ReplayCollector.LABEL_POSITIVE, ReplayCollector.labelValue(1));
        assertEquals(ReplayCollector.LABEL_NEGATIVE, ReplayCollector.labelValue(0L));
        assertEquals(ReplayCollector.LABEL_POSITIVE, ReplayCollector.labelValue(1.0));
        assertEquals(ReplayCollector.LABEL_INVALID, ReplayCollector.labelValue(0.5));
        assertEquals(ReplayCollector.LABEL_INVALID, ReplayCollector.labelValue("yes"));
        assertEquals(ReplayCollector.LABEL_MISSING, ReplayCollector.labelValue(null));
    }

    @Test
    void rendersValidJsonAndAReadableText() throws Exception {
        final ReplayReport r = sideBySide();
        final String report = r.toJson();
        final JsonNode json = new ObjectMapper().readTree(report);
        assertEquals("versions", json.path("replay").path("mode").asText());
        assertEquals(13, json.path("records").path("in_range").asLong());
        assertEquals(2, json.path("versions").size());
        assertEquals(0.96, json.path("versions").get(0).path("labels").path("roc_auc").asDouble(), EPS);
        assertEquals(4, json.path("versions").get(0).path("labels").path("confusion_matrix").path("tp").asLong());
        assertEquals(10, json.path("versions").get(0).path("score").path("histogram").path("counts").size());
        assertEquals(9.0 / 11, json.path("comparisons").get(0).path("decision_agreement").asDouble(), EPS);
        assertEquals(5, json.path("replay").path("partitions").get(1).path("start_offset").asLong());
        assertEquals(64, json.path("replay").path("fixed_batch_rows").asInt(), "every batch is scored as 64 rows");
        assertEquals(0, json.path("replay").path("batch_max_wait_ms").asLong());
        // For people: two spaces per level, an entry per line, a histogram on one line, a final line break.
        assertTrue(report.startsWith("{\n  \"replay\": {\n    \"application_id\": \"scorestream-replay-test\",\n"),
                report);
        assertTrue(report.contains("\n          \"counts\": [1, 1, 1, 3, 1, 1, 1, 1, 1, 1]\n"), report);
        assertTrue(report.endsWith("\n  ]\n}\n"), report);
        final String text = r.toText();
        assertTrue(text.contains("version 1") && text.contains("ROC AUC 0.9600") && text.contains("compare 1 vs 2"),
                text);
        assertTrue(text.contains("fixed batch rows 64 (padded)"), text);
    }
}
