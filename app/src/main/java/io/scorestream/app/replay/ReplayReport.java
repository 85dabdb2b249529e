package io.scorestream.app.replay;

import io.scorestream.inference.training.BinaryClassificationMetrics;
import io.scorestream.inference.training.BinaryClassificationMetrics.ConfusionMatrix;
import io.scorestream.app.metrics.JsonOutput;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one replay: how many records the range held, and per version how many it scored
 * and dead-lettered (by reason), the distribution of its scores, its decision rate, and, with a
 * label field, precision and recall at its threshold, ROC AUC and the confusion matrix; with two or
 * more versions replayed side by side, how each pair agrees on the same records. Computed once from
 * a {@link ReplayCollector}; immutable afterwards. {@link #toJson()} and {@link #toText()} render it.
 *
 * <p>Definitions (also in docs/BACKTESTING.md): percentiles are nearest-rank (the p-quantile of n
 * sorted scores is the {@code ceil(p n)}-th); the histogram has 10 equal bins over [0, 1] when every
 * score lies there, else over [min, max], each bin holding [lower, upper) and the last also its
 * upper edge; the decision rate is decisions / scored; precision and recall count the version's own
 * decisions (score >= its threshold) against the labels; a record counts for a comparison when both
 * versions scored it.
 */
final class ReplayReport {

    static final int BINS = 10;

    /**
     * Summary of a set of scores.
     *
     * @param histogram {@value #BINS} counts over [histogramLower, histogramUpper]
     */
    record Distribution(long count, double mean, double min, double max, double p50, double p90, double p99,
                        double histogramLower, double histogramUpper, long[] histogram) {
    }

    /**
     * How one version's decisions and scores match the labels.
     *
     * @param labelled records with a usable label (boolean, or a number that is 0 or 1)
     * @param missing records whose label field is null or absent
     * @param invalid records whose label is neither boolean nor 0/1
     * @param rocAuc null when the labelled records hold only one class
     */
    record Labels(String field, long labelled, long positives, long negatives, long missing, long invalid,
                  ConfusionMatrix matrix, Double rocAuc) {
    }

    /**
     * One version's outcome.
     *
     * @param threshold the decision threshold of its spec (null if it never scored)
     * @param roles scores by role ({@code stable}, {@code canary})
     * @param labels null without a label field
     */
    record Version(String version, Double threshold, long scored, Map<String, Long> roles, long deadLettered,
                   Map<String, Long> deadLetteredByReason, Distribution scores, double decisionRate, Labels labels,
                   Map<String, FeatureDistribution> features) {
    }

    /**
     * One aggregate's values over the records a version scored: how many had a value, how many had
     * none (the mapping's default was used), and the distribution of the values.
     */
    record FeatureDistribution(long values, long nulls, Distribution distribution) {
    }

    /** Two versions on the records both scored. */
    record Comparison(String a, String b, long records, double decisionAgreement, double meanAbsScoreDifference,
                      double maxAbsScoreDifference, long positiveOnlyInA, long positiveOnlyInB) {
    }

    /** What was replayed, for the report's header. */
    record Run(String applicationId, String topic, String out, String deadLetterTopic, String model, boolean asOf,
               List<String> versions, Instant from, Instant to, int batchMaxRecords, long batchMaxWaitMs,
               String labels, Instant startedAt, Instant finishedAt, ReplayRange range) {
    }

    private final Run run;
    private final long recordsInRange;
    private final long deadLetters;
    private final Map<String, Long> deadLettersByReason;
    private final Map<String, Long> withoutVersionByReason;
    private final long unaccounted;
    private final long repeatedScores;
    private final List<Version> versions;
    private final List<Comparison> comparisons;

    private ReplayReport(Run run, long recordsInRange, long deadLetters, Map<String, Long> deadLettersByReason,
                         Map<String, Long> withoutVersionByReason, long unaccounted, long repeatedScores,
                         List<Version> versions, List<Comparison> comparisons) {
        this.run = run;
        this.recordsInRange = recordsInRange;
        this.deadLetters = deadLetters;
        this.deadLettersByReason = deadLettersByReason;
        this.withoutVersionByReason = withoutVersionByReason;
        this.unaccounted = unaccounted;
        this.repeatedScores = repeatedScores;
        this.versions = List.copyOf(versions);
        this.comparisons = List.copyOf(comparisons);
    }

    /**
     * Computes the report.
     *
     * @param thresholds decision threshold per version (of its spec)
     */
    static ReplayReport compute(ReplayCollector collector, Run run, Map<String, Double> thresholds) {
        synchronized (collector) {
            return new Computation(collector, run, thresholds).report();
        }
    }

    Run run() {
        return run;
    }

    /** Records of the range that reached the replay: read by the scoring processor, or dead-lettered undecoded. */
    long recordsInRange() {
        return recordsInRange;
    }

    /** Distinct dead letters (one per record, or per record and version when a version is named). */
    long deadLetters() {
        return deadLetters;
    }

    Map<String, Long> deadLettersByReason() {
        return deadLettersByReason;
    }

    /** Dead letters that name no version, by reason (e.g. {@code no_model_as_of}, {@code missing_value}). */
    Map<String, Long> withoutVersionByReason() {
        return withoutVersionByReason;
    }

    /** Records neither scored nor dead-lettered (by every version replayed side by side); 0 in a sound run. */
    long unaccounted() {
        return unaccounted;
    }

    long repeatedScores() {
        return repeatedScores;
    }

    List<Version> versions() {
        return versions;
    }

    Version version(String version) {
        for (Version v : versions) {
            if (v.version().equals(version)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no version '" + version + "' in the report");
    }

    List<Comparison> comparisons() {
        return comparisons;
    }

    // ---- math -------------------------------------------------------------------------------

    /**
     * Mean, extremes, nearest-rank percentiles and a {@value #BINS}-bin histogram of {@code scores},
     * which is sorted in place. All zeros (and an empty histogram) for no scores.
     */
    static Distribution distribution(double[] scores) {
        final int n = scores.length;
        if (n == 0) {
            return new Distribution(0, 0, 0, 0, 0, 0, 0, 0, 1, new long[BINS]);
        }
        Arrays.sort(scores);
        double sum = 0;
        for (double s : scores) {
            sum += s;
        }
        final double min = scores[0];
        final double max = scores[n - 1];
        final boolean unit = min >= 0 && max <= 1;
        final double lower = unit ? 0 : min;
        final double upper = unit ? 1 : max;
        final long[] bins = new long[BINS];
        for (double s : scores) {
            bins[bin(s, lower, upper)]++;
        }
        return new Distribution(n, sum / n, min, max, percentile(scores, 0.50), percentile(scores, 0.90),
                percentile(scores, 0.99), lower, upper, bins);
    }

    /** The histogram bin of {@code score}: [lower + i w, lower + (i+1) w), the last bin closed. */
    static int bin(double score, double lower, double upper) {
        if (!(upper > lower)) {
            return 0;
        }
        final int i = (int) Math.floor((score - lower) / (upper - lower) * BINS);
        return Math.max(0, Math.min(BINS - 1, i));
    }

    /** Nearest-rank percentile of sorted values: the {@code ceil(q n)}-th smallest (q in (0, 1]). */
    static double percentile(double[] sorted, double q) {
        final int rank = (int) Math.ceil(q * sorted.length - 1e-9);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** Precision, recall and AUC of one version from its scores, decisions and labels (labelled rows only). */
    static Labels labels(String field, double[] scores, boolean[] decisions, boolean[] truth, long missing,
                         long invalid) {
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        long positives = 0;
        for (int i = 0; i < truth.length; i++) {
            positives += truth[i] ? 1 : 0;
            if (decisions[i]) {
                if (truth[i]) {
                    tp++;
                } else {
                    fp++;
                }
            } else if (truth[i]) {
                fn++;
            } else {
                tn++;
            }
        }
        final long negatives = truth.length - positives;
        final Double auc = positives == 0 || negatives == 0 ? null
                : BinaryClassificationMetrics.rocAuc(scores, truth);
        return new Labels(field, truth.length, positives, negatives, missing, invalid,
                new ConfusionMatrix(tp, fp, tn, fn), auc);
    }

    // ---- rendering --------------------------------------------------------------------------

    /** The report as a JSON object (see docs/BACKTESTING.md for the fields). */
    String toJson() {
        return JsonOutput.writeIndented(tree(), JsonOutput.NonFinite.NULL) + "\n";
    }

    Map<String, Object> tree() {
        final Map<String, Object> root = new LinkedHashMap<>();
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("application_id", run.applicationId());
        r.put("topic", run.topic());
        r.put("out", run.out());
        r.put("dead_letter_topic", run.deadLetterTopic());
        r.put("model", run.model());
        r.put("mode", run.asOf() ? "as_of" : "versions");
        r.put("versions", run.versions());
        r.put("from", run.from() == null ? null : run.from().toString());
        r.put("to", run.to() == null ? null : run.to().toString());
        r.put("batch_max_records", run.batchMaxRecords());
        // Every batch is scored padded to this many rows (ReplayPlans asks for fixed-size runs).
        r.put("fixed_batch_rows", run.batchMaxRecords());
        r.put("batch_max_wait_ms", run.batchMaxWaitMs());
        r.put("labels", run.labels());
        r.put("started_at", run.startedAt().toString());
        r.put("finished_at", run.finishedAt().toString());
        r.put("duration_seconds", Duration.between(run.startedAt(), run.finishedAt()).toMillis() / 1000.0);
        final List<Object> partitions = new ArrayList<>();
        for (ReplayRange.Partition p : run.range().partitions()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("partition", p.partition());
            m.put("start_offset", p.start());
            m.put("end_offset", p.end());
            partitions.add(m);
        }
        r.put("partitions", partitions);
        root.put("replay", r);

        final Map<String, Object> records = new LinkedHashMap<>();
        records.put("offsets_in_range", run.range().offsets());
        records.put("in_range", recordsInRange);
        records.put("dead_letters", deadLetters);
        records.put("dead_letters_by_reason", deadLettersByReason);
        records.put("dead_letters_without_version", withoutVersionByReason);
        records.put("unaccounted", unaccounted);
        records.put("repeated_scores_ignored", repeatedScores);
        root.put("records", records);

        final List<Object> vs = new ArrayList<>();
        for (Version v : versions) {
            vs.add(versionTree(v));
        }
        root.put("versions", vs);
        final List<Object> cs = new ArrayList<>();
        for (Comparison c : comparisons) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", c.a());
            m.put("b", c.b());
            m.put("records", c.records());
            m.put("decision_agreement", c.decisionAgreement());
            m.put("mean_abs_score_difference", c.meanAbsScoreDifference());
            m.put("max_abs_score_difference", c.maxAbsScoreDifference());
            m.put("positive_only_in_a", c.positiveOnlyInA());
            m.put("positive_only_in_b", c.positiveOnlyInB());
            cs.add(m);
        }
        root.put("comparisons", cs);
        return root;
    }

    private static Map<String, Object> versionTree(Version v) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.version());
        m.put("threshold", v.threshold());
        m.put("scored", v.scored());
        m.put("scored_by_role", v.roles());
        final Map<String, Object> dead = new LinkedHashMap<>();
        dead.put("total", v.deadLettered());
        dead.put("by_reason", v.deadLetteredByReason());
        m.put("dead_lettered", dead);
        final Distribution d = v.scores();
        final Map<String, Object> s = new LinkedHashMap<>();
        s.put("mean", d.mean());
        s.put("min", d.min());
        s.put("max", d.max());
        s.put("p50", d.p50());
        s.put("p90", d.p90());
        s.put("p99", d.p99());
        final Map<String, Object> h = new LinkedHashMap<>();
        h.put("lower", d.histogramLower());
        h.put("upper", d.histogramUpper());
        h.put("counts", d.histogram());
        s.put("histogram", h);
        m.put("score", s);
        m.put("decision_rate", v.decisionRate());
        if (!v.features().isEmpty()) {
            final Map<String, Object> fs = new LinkedHashMap<>();
            v.features().forEach((name, f) -> {
                final Distribution fd = f.distribution();
                final Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("values", f.values());
                fm.put("nulls", f.nulls());
                fm.put("mean", fd.mean());
                fm.put("min", fd.min());
                fm.put("max", fd.max());
                fm.put("p50", fd.p50());
                fm.put("p90", fd.p90());
                fm.put("p99", fd.p99());
                fs.put(name, fm);
            });
            m.put("features", fs);
        }
        if (v.labels() != null) {
            final Labels l = v.labels();
            final Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("field", l.field());
            lm.put("labelled", l.labelled());
            lm.put("positives", l.positives());
            lm.put("negatives", l.negatives());
            lm.put("missing", l.missing());
            lm.put("invalid", l.invalid());
            lm.put("precision", l.matrix().precision());
            lm.put("recall", l.matrix().recall());
            lm.put("roc_auc", l.rocAuc());
            final Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("tp", l.matrix().truePositives());
            cm.put("fp", l.matrix().falsePositives());
            cm.put("tn", l.matrix().trueNegatives());
            cm.put("fn", l.matrix().falseNegatives());
            lm.put("confusion_matrix", cm);
            m.put("labels", lm);
        }
        return m;
    }

    /** The report for a terminal: a header, a block per version, the comparisons. */
    String toText() {
        final StringBuilder s = new StringBuilder();
        final String nl = System.lineSeparator();
        s.append("== scorestream replay report ==").append(nl);
        s.append(String.format(Locale.ROOT, "topic            %s (%d partitions, %,d offsets)  ->  %s%n", run.topic(),
                run.range().partitionCount(), run.range().offsets(), run.out()));
        s.append(String.format(Locale.ROOT, "model            %s %s%n", run.model(),
                run.asOf() ? "as of each event's time" : "versions " + String.join(", ", run.versions())));
        s.append(String.format(Locale.ROOT, "time range       %s .. %s%n",
                run.from() == null ? "beginning" : run.from(), run.to() == null ? "end at start" : run.to()));
        s.append(String.format(Locale.ROOT, "fixed batch rows %,d (padded)%n", run.batchMaxRecords()));
        s.append(String.format(Locale.ROOT, "records          %,d in range, %,d dead letters%s, %,d unaccounted%n",
                recordsInRange, deadLetters, deadLettersByReason.isEmpty() ? "" : " " + deadLettersByReason,
                unaccounted));
        s.append(String.format(Locale.ROOT, "took             %.1f s%n",
                Duration.between(run.startedAt(), run.finishedAt()).toMillis() / 1000.0));
        for (Version v : versions) {
            final Distribution d = v.scores();
            s.append(nl).append("version ").append(v.version()).append(nl);
            s.append(String.format(Locale.ROOT, "  scored         %,d %s%n", v.scored(), v.roles()));
            s.append(String.format(Locale.ROOT, "  dead-lettered  %,d%s%n", v.deadLettered(),
                    v.deadLetteredByReason().isEmpty() ? "" : " " + v.deadLetteredByReason()));
            s.append(String.format(Locale.ROOT, "  score          mean %.4f  p50 %.4f  p90 %.4f  p99 %.4f  (min %.4f, max %.4f)%n",
                    d.mean(), d.p50(), d.p90(), d.p99(), d.min(), d.max()));
            s.append(String.format(Locale.ROOT, "  histogram      [%.3g, %.3g] %s%n", d.histogramLower(),
                    d.histogramUpper(), Arrays.toString(d.histogram())));
            s.append(String.format(Locale.ROOT, "  decision rate  %.4f at threshold %s%n", v.decisionRate(),
                    v.threshold()));
            v.features().forEach((name, f) -> {
                final Distribution fd = f.distribution();
                s.append(String.format(Locale.ROOT, "  feature %-14s mean %.4g  p50 %.4g  p90 %.4g  p99 %.4g  (min %.4g, "
                        + "max %.4g), %,d without a value%n", name, fd.mean(), fd.p50(), fd.p90(), fd.p99(), fd.min(),
                        fd.max(), f.nulls()));
            });
            if (v.labels() != null) {
                final Labels l = v.labels();
                s.append(String.format(Locale.ROOT, "  labels (%s)  %,d labelled (%,d positive), %,d missing, %,d invalid%n",
                        l.field(), l.labelled(), l.positives(), l.missing(), l.invalid()));
                s.append(String.format(Locale.ROOT, "  precision      %.4f  recall %.4f  ROC AUC %s%n",
                        l.matrix().precision(), l.matrix().recall(),
                        l.rocAuc() == null ? "n/a (one class only)" : String.format(Locale.ROOT, "%.4f", l.rocAuc())));
                s.append(String.format(Locale.ROOT, "  confusion      TP %,d  FP %,d  TN %,d  FN %,d%n",
                        l.matrix().truePositives(), l.matrix().falsePositives(), l.matrix().trueNegatives(),
                        l.matrix().falseNegatives()));
            }
        }
        if (!comparisons.isEmpty()) {
            s.append(nl);
        }
        for (Comparison c : comparisons) {
            s.append(String.format(Locale.ROOT, "compare %s vs %s  on %,d records: decisions agree %.4f, mean |score diff| "
                    + "%.6f (max %.6f), positive only in %s: %,d, only in %s: %,d%n", c.a(), c.b(), c.records(),
                    c.decisionAgreement(), c.meanAbsScoreDifference(), c.maxAbsScoreDifference(), c.a(),
                    c.positiveOnlyInA(), c.b(), c.positiveOnlyInB()));
        }
        return s.toString();
    }

    /** One pass over the collector's tables, under its lock. */
    private static final class Computation {
        private final ReplayCollector c;
        private final Run run;
        private final Map<String, Double> thresholds;
        private final OffsetTable records;
        private final OffsetTable noVersion;

        Computation(ReplayCollector c, Run run, Map<String, Double> thresholds) {
            this.c = c;
            this.run = run;
            this.thresholds = thresholds;
            this.records = c.records();
            this.noVersion = c.deadLetters().get(ReplayCollector.NO_VERSION);
        }

        ReplayReport report() {
            long inRange = 0;
            long unaccounted = 0;
            long deadLetters = 0;
            final Map<String, Long> byReason = new TreeMap<>();
            final Map<String, Long> withoutVersion = new TreeMap<>();
            for (int p = 0; p < records.partitions(); p++) {
                for (long i = 0; i < records.length(p); i++) {
                    if (!anyAllocated(p, i)) {
                        i += OffsetTable.CHUNK - 1 - (i % OffsetTable.CHUNK);
                        continue;
                    }
                    boolean deadLettered = false;
                    for (Map.Entry<String, OffsetTable> e : c.deadLetters().entrySet()) {
                        final int reason = e.getValue().getByte(p, i) & 0xff;
                        if (reason != 0) {
                            deadLettered = true;
                            deadLetters++;
                            byReason.merge(c.reason(reason), 1L, Long::sum);
                            if (e.getKey().equals(ReplayCollector.NO_VERSION)) {
                                withoutVersion.merge(c.reason(reason), 1L, Long::sum);
                            }
                        }
                    }
                    final boolean read = (records.getByte(p, i) & ReplayCollector.READ) != 0;
                    if (!read && !deadLettered) {
                        continue;
                    }
                    inRange++;
                    if (!accounted(p, i)) {
                        unaccounted++;
                    }
                }
            }
            final List<Version> versions = new ArrayList<>();
            for (String v : c.scores().keySet()) {
                versions.add(version(v));
            }
            final List<Comparison> comparisons = new ArrayList<>();
            if (!run.asOf()) {
                final List<String> names = new ArrayList<>(c.scores().keySet());
                for (int a = 0; a < names.size(); a++) {
                    for (int b = a + 1; b < names.size(); b++) {
                        comparisons.add(compare(names.get(a), names.get(b)));
                    }
                }
            }
            return new ReplayReport(run, inRange, deadLetters, byReason, withoutVersion, unaccounted,
                    c.repeatedScores(), versions, comparisons);
        }

        private boolean anyAllocated(int p, long i) {
            if (records.chunkAllocated(p, i)) {
                return true;
            }
            for (OffsetTable t : c.deadLetters().values()) {
                if (t.chunkAllocated(p, i)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Side by side, every version must have scored or dead-lettered the record (a dead letter
         * naming no version counts for all); as of the history, one score or dead letter suffices.
         */
        private boolean accounted(int p, long i) {
            if (noVersion != null && noVersion.getByte(p, i) != 0) {
                return true;
            }
            boolean all = true;
            boolean any = false;
            for (Map.Entry<String, OffsetTable> e : c.scores().entrySet()) {
                final OffsetTable dead = c.deadLetters().get(e.getKey());
                final boolean done = (e.getValue().getByte(p, i) & ReplayCollector.SCORED) != 0
                        || dead != null && dead.getByte(p, i) != 0;
                all &= done;
                any |= done;
            }
            return run.asOf() ? any : all;
        }

        private Version version(String version) {
            final OffsetTable t = c.scores().get(version);
            final OffsetTable dead = c.deadLetters().get(version);
            final boolean withLabels = c.labelField() != null;
            double[] scores = new double[1024];
            double[] labelledScores = new double[withLabels ? 1024 : 0];
            boolean[] labelledDecisions = new boolean[labelledScores.length];
            boolean[] truth = new boolean[labelledScores.length];
            int n = 0;
            int labelled = 0;
            long decisions = 0;
            long canary = 0;
            long missing = 0;
            long invalid = 0;
            long deadLettered = 0;
            final Map<String, Long> deadByReason = new TreeMap<>();
            for (int p = 0; p < records.partitions(); p++) {
                for (long i = 0; i < records.length(p); i++) {
                    final int flags = t.getByte(p, i);
                    if ((flags & ReplayCollector.SCORED) == 0) {
                        int reason = dead == null ? 0 : dead.getByte(p, i) & 0xff;
                        String why = reason == 0 ? null : c.reason(reason);
                        if (why == null && !run.asOf() && noVersion != null && (noVersion.getByte(p, i) & 0xff) != 0) {
                            // Side by side, a record refused before scoring was missed by every version.
                            why = c.reason(noVersion.getByte(p, i) & 0xff);
                        }
                        if (why != null) {
                            deadLettered++;
                            deadByReason.merge(why, 1L, Long::sum);
                        }
                        continue;
                    }
                    final double score = t.getDouble(p, i);
                    final boolean decision = (flags & ReplayCollector.DECISION) != 0;
                    if (n == scores.length) {
                        scores = Arrays.copyOf(scores, n * 2);
                    }
                    scores[n++] = score;
                    decisions += decision ? 1 : 0;
                    canary += (flags & ReplayCollector.CANARY) != 0 ? 1 : 0;
                    if (!withLabels) {
                        continue;
                    }
                    final int label = ReplayCollector.labelState(records.getByte(p, i));
                    if (label == ReplayCollector.LABEL_POSITIVE || label == ReplayCollector.LABEL_NEGATIVE) {
                        if (labelled == labelledScores.length) {
                            labelledScores = Arrays.copyOf(labelledScores, labelled * 2);
                            labelledDecisions = Arrays.copyOf(labelledDecisions, labelled * 2);
                            truth = Arrays.copyOf(truth, labelled * 2);
                        }
                        labelledScores[labelled] = score;
                        labelledDecisions[labelled] = decision;
                        truth[labelled++] = label == ReplayCollector.LABEL_POSITIVE;
                    } else if (label == ReplayCollector.LABEL_INVALID) {
                        invalid++;
                    } else {
                        missing++;
                    }
                }
            }
            final Map<String, Long> roles = new LinkedHashMap<>();
            if (n - canary > 0) {
                roles.put("stable", n - canary);
            }
            if (canary > 0) {
                roles.put("canary", canary);
            }
            final Labels labels = withLabels ? ReplayReport.labels(c.labelField(),
                    Arrays.copyOf(labelledScores, labelled), Arrays.copyOf(labelledDecisions, labelled),
                    Arrays.copyOf(truth, labelled), missing, invalid) : null;
            final Map<String, FeatureDistribution> features = new LinkedHashMap<>();
            c.featureValues(version).forEach((name, column) -> features.put(name, new FeatureDistribution(
                    column.count(), column.nulls(), distribution(column.values()))));
            return new Version(version, thresholds.get(version), n, roles, deadLettered, deadByReason,
                    distribution(Arrays.copyOf(scores, n)), n == 0 ? 0.0 : (double) decisions / n, labels, features);
        }

        private Comparison compare(String a, String b) {
            final OffsetTable ta = c.scores().get(a);
            final OffsetTable tb = c.scores().get(b);
            long both = 0;
            long agree = 0;
            long onlyA = 0;
            long onlyB = 0;
            double sumDiff = 0;
            double maxDiff = 0;
            for (int p = 0; p < records.partitions(); p++) {
                for (long i = 0; i < records.length(p); i++) {
                    final int fa = ta.getByte(p, i);
                    final int fb = tb.getByte(p, i);
                    if ((fa & fb & ReplayCollector.SCORED) == 0) {
                        continue;
                    }
                    both++;
                    final boolean da = (fa & ReplayCollector.DECISION) != 0;
                    final boolean db = (fb & ReplayCollector.DECISION) != 0;
                    if (da == db) {
                        agree++;
                    } else if (da) {
                        onlyA++;
                    } else {
                        onlyB++;
                    }
                    final double diff = Math.abs(ta.getDouble(p, i) - tb.getDouble(p, i));
                    sumDiff += diff;
                    maxDiff = Math.max(maxDiff, diff);
                }
            }
            return new Comparison(a, b, both, both == 0 ? 0.0 : (double) agree / both, both == 0 ? 0.0 : sumDiff / both,
                    maxDiff, onlyA, onlyB);
        }
    }
}
