package io.scorestream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Renders a run's results as Markdown tables and the ratio lines. Stateless.
 */
final class Report {

    /** Targets of the issue, checked by the ratio lines. */
    static final double TARGET_VS_PASSTHROUGH = 0.90;
    static final double TARGET_VS_PER_RECORD_LARGE = 3.0;
    static final double TARGET_SINK_VS_CEILING = 0.70;
    static final double TARGET_FEATURES_VS_PLAIN = 0.50;

    private Report() {
    }

    /** How the scorer's CPU is told from the rest, for the JSON and the table's note. */
    static final String THREAD_METHOD = "scorer = CPU of the application's own threads in the window: its Java "
            + "threads (ThreadMXBean; names containing its application.id: stream threads, global and state-updater "
            + "threads, its producer, heartbeat and admin threads; names starting with scorestream-: the model "
            + "registry; raw-copy: its copy thread and its producer's network thread) plus the native threads "
            + "started after it (/proc/self/task: ONNX Runtime, RocksDB) that are not the JVM's; minus broker and "
            + "harness = process CPU minus the threads alive before the application started (the broker's, the "
            + "harness's clients) and new threads named like the broker's, and minus the harness's threads (score "
            + "reader, main): what is left is the scorer, the JVM's own threads (GC, JIT, VM, JFR: they serve the "
            + "broker too), threads of no known owner and threads that ended in the window";

    /** How the allocation sites are found, for the JSON and the table's note. */
    static final String ALLOCATION_METHOD = "jdk.ObjectAllocationSample (JFR, throttle "
            + StageProfiler.ALLOCATION_THROTTLE + " for the JVM, stack traces) of the scoring thread in the window, "
            + "each thread's first sample dropped (its weight reaches back before the window); weight = bytes the "
            + "thread allocated since its previous sample; site = (allocated class, first frame top down whose "
            + "class starts with io.scorestream. or org.apache.kafka.); consumer fetch = samples whose stack "
            + "passes through org.apache.kafka.clients.consumer.";

    /** The throughput table: one row per (model, mode[, batch]). */
    static String throughputTable(List<Samples.Cell> cells) {
        final StringBuilder b = new StringBuilder();
        b.append("| model | mode | records/s (median) | min | max | CPU-µs / event (process) "
                + "| scorer CPU-µs / event (app threads) | process − broker − harness CPU-µs / event "
                + "| scoring-thread CPU-µs / event | alloc B / event (scoring thread) | peak heap MB | peak RSS MB "
                + "| other processes' CPU | batch sizes seen |\n");
        b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (Samples.Cell c : cells) {
            final BatchSizes.Summary batches = c.medianBatches();
            b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %,.0f | %.2f | %s | %s | %.2f | %,.0f "
                            + "| %,.0f | %,.0f | %.0f%% | %s |%n",
                    c.model(), c.label(), c.medianRate(), c.minRate(), c.maxRate(),
                    c.median(Samples.Throughput::cpuSecondsPerMillion),
                    micros(c.median(Samples.Throughput::scorerCpuMicrosPerEvent)),
                    micros(c.median(Samples.Throughput::processMinusBrokerAndHarnessMicrosPerEvent)),
                    c.median(Samples.Throughput::threadCpuSecondsPerMillion),
                    c.median(Samples.Throughput::allocatedBytesPerRecord),
                    c.median(t -> t.peakHeapBytes() / 1048576.0),
                    c.median(t -> t.peakRssBytes() / 1048576.0),
                    100 * c.median(Samples.Throughput::otherProcessesCpuShare),
                    c.mode() == Mode.MODEL_ONLY ? "fixed " + c.batch() : batches == null ? "–" : batches.describe()));
        }
        return b.toString();
    }

    /** µs with two decimals, or {@code –} for NaN (no thread split). */
    private static String micros(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * Per (model, mode) with allocation samples: the scoring thread's sampled and measured bytes per
     * event, without the consumer's fetch, then its largest sites ({@link AllocationSites}), over all
     * repetitions.
     */
    static String allocationTable(List<Samples.Cell> cells) {
        final StringBuilder totals = new StringBuilder();
        final StringBuilder sites = new StringBuilder();
        for (Samples.Cell c : cells) {
            final Samples.Allocation a = c.allocation();
            if (a == null) {
                continue;
            }
            totals.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.0f%% | %,.0f | %s | %,.0f | %,.0f | %,d |%n",
                    c.model(), c.label(), a.measuredPerEvent(), a.sampledPerEvent(),
                    a.measuredBytes() == 0 ? 0.0 : 100.0 * a.sampledBytes() / a.measuredBytes(),
                    a.excludingConsumerPerEvent(), Double.isNaN(a.excludingConsumerScaledPerEvent()) ? "–"
                            : String.format(Locale.ROOT, "%,.0f", a.excludingConsumerScaledPerEvent()),
                    a.ownExcludingOutputPerEvent(), a.outputPerEvent(), a.samples()));
            for (Samples.AllocationSite s : a.sites()) {
                sites.append(String.format(Locale.ROOT, "| %s | %s | `%s` | `%s` | %,.1f | %,.1f | %,d |%n", c.model(),
                        c.label(), s.objectClass(), s.frame(), (double) s.bytes() / Math.max(1, a.events()),
                        (double) s.consumerBytes() / Math.max(1, a.events()), s.samples()));
            }
        }
        if (totals.length() == 0) {
            return "";
        }
        return "| model | mode | measured B / event | sampled B / event | sampled / measured "
                + "| excluding the Kafka consumer's fetch (sampled) | excluding the fetch, scaled to measured "
                + "| scorestream's own code, without the output values (sampled) | output values (sampled) "
                + "| samples |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n" + totals
                + String.format(Locale.ROOT, "%nLargest sites (top %d per cell):%n%n", AllocationSites.PRINTED)
                + "| model | mode | allocated class | first frame in our or Kafka's code | B / event "
                + "| of which through the consumer | samples |\n|---|---|---|---|--:|--:|--:|\n" + sites
                + String.format(Locale.ROOT, "%nMethod: %s. Measured = ThreadMXBean's allocated bytes of the scoring "
                        + "thread; scaled = sampled excluding the fetch × measured / sampled.%n", ALLOCATION_METHOD);
    }

    /**
     * The stage table: per (model, mode) with a split, the scoring thread's CPU-µs per event by stage
     * (medians over the repetitions), then the buckets' method prefixes.
     */
    static String stageTable(List<Samples.Cell> cells) {
        final StringBuilder b = new StringBuilder();
        b.append("| model | mode | scoring-thread CPU-µs / event");
        for (String stage : StageProfiler.STAGES) {
            b.append(" | ").append(stage);
        }
        b.append(" | samples |\n|---|---|--:");
        for (int i = 0; i < StageProfiler.STAGES.size(); i++) {
            b.append("|--:");
        }
        b.append("|--:|\n");
        boolean any = false;
        for (Samples.Cell c : cells) {
            final java.util.Map<String, Double> stages = c.medianStages();
            if (stages == null) {
                continue;
            }
            any = true;
            b.append(String.format(Locale.ROOT, "| %s | %s | %.2f", c.model(), c.label(),
                    c.median(Samples.Throughput::threadCpuSecondsPerMillion)));
            for (String stage : StageProfiler.STAGES) {
                b.append(String.format(Locale.ROOT, " | %.2f", stages.get(stage)));
            }
            long samples = 0;
            for (Samples.Throughput t : c.reps()) {
                if (t.stages() != null) {
                    samples += t.stages().samples().values().stream().mapToLong(Long::longValue).sum();
                }
            }
            b.append(String.format(Locale.ROOT, " | %,d |%n", samples));
        }
        if (!any) {
            return "";
        }
        b.append(String.format(Locale.ROOT, "%nONNX Runtime: the time the scoring processor measured around its ONNX "
                + "Runtime calls; the other stages share the rest of the scoring thread's CPU time in proportion to "
                + "its jdk.ExecutionSample samples (JFR, 10 ms), each sample in the bucket of its first frame, top "
                + "down, that starts with one of:%n"));
        for (java.util.Map.Entry<String, List<String>> e : StageProfiler.BUCKETS.entrySet()) {
            b.append("- ").append(e.getKey()).append(": `").append(String.join("`, `", e.getValue())).append("`\n");
        }
        b.append("- other: everything else (Kafka Streams' bookkeeping and commits, the JVM)\n");
        b.append(topMethods(cells));
        return b.toString();
    }

    /**
     * Per (model, mode) with a split, the scoring thread's most sampled executing Java methods (self
     * time) with their share of its samples: where a stage's time actually goes, and any single item
     * worth naming (a share of samples, not of CPU time: native ONNX Runtime time is not sampled).
     */
    static String topMethods(List<Samples.Cell> cells) {
        final StringBuilder b = new StringBuilder();
        for (Samples.Cell c : cells) {
            final java.util.Map<String, Double> top = c.topMethodShares();
            if (top.isEmpty()) {
                continue;
            }
            if (b.length() == 0) {
                b.append(String.format(Locale.ROOT, "%nMost sampled methods of the scoring thread (self, share of "
                        + "its JFR samples, all repetitions):%n"));
            }
            b.append(String.format(Locale.ROOT, "- %s %s:", c.model(), c.label()));
            String sep = " ";
            for (java.util.Map.Entry<String, Double> e : top.entrySet()) {
                b.append(String.format(Locale.ROOT, "%s%s %.1f%%", sep, e.getKey(), 100 * e.getValue()));
                sep = ", ";
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** One repetition's split on one line, for progress output. */
    static String describeStages(Samples.Stages stages) {
        final StringBuilder b = new StringBuilder();
        for (String stage : StageProfiler.STAGES) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f", stage,
                    stages.microsPerEvent().getOrDefault(stage, 0.0)));
        }
        return b.append(" µs/event").toString();
    }

    /** The latency table: one row per (model, configuration, load). */
    static String latencyTable(List<Samples.Latency> points) {
        final StringBuilder b = new StringBuilder();
        b.append("| model | config | load | target rec/s | achieved rec/s | p50 ms | p95 ms | p99 ms | p99.9 ms "
                + "| max ms | scores | batch sizes seen |\n");
        b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (Samples.Latency l : points) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %,.0f | %,.0f | %.0f | %.0f | %.0f | %.0f | %.0f "
                            + "| %,d | %s |%n",
                    l.model(), l.config().label(), l.loadPercent() == 0 ? "–" : l.loadPercent() + "%", l.targetRate(), l.achievedRate(), l.p50(),
                    l.p95(), l.p99(), l.p999(), l.max(), l.count(),
                    l.batches() == null ? "–" : l.batches().describe()));
        }
        return b.toString();
    }

    /** The sink table: one row per side, medians over the repetitions. */
    static String sinkTable(Samples.Sink sink) {
        final StringBuilder b = new StringBuilder();
        b.append("| side | rows/s (median) | min | max | seconds | first row after s | rows / transaction "
                + "| JVM CPU s / M rows | writer threads CPU s / M | writer alloc B / row | PostgreSQL CPU s / M "
                + "| other processes' CPU | how |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        final String ceilingHow = String.format(Locale.ROOT, "1 connection, %,d rows per batch and transaction; "
                + "Avro decoding %.0f%% of the time", sink.batchSize(), 100 * Samples.Sink.median(sink.ceiling(),
                        s -> s.decodeSeconds() / s.seconds()));
        final String connectorHow = String.format(Locale.ROOT, "tasks.max=%d, batch.size=%,d%s", sink.tasks(),
                sink.batchSize(), sink.workerOverrides().isEmpty() ? "" : ", worker " + sink.workerOverrides());
        sinkRow(b, "plain JDBC (ceiling)", sink.ceiling(), ceilingHow);
        sinkRow(b, "JDBC sink connector", sink.connector(), connectorHow);
        return b.toString();
    }

    private static void sinkRow(StringBuilder b, String side, List<Samples.SinkSide> reps, String how) {
        final double rows = reps.isEmpty() ? Double.NaN : reps.get(0).rows();
        b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.1f | %.2f | %,.0f | %.2f | %.2f | %,.0f "
                        + "| %.2f | %.0f%% | %s |%n", side,
                Samples.Sink.median(reps, Samples.SinkSide::rowsPerSecond),
                reps.stream().mapToDouble(Samples.SinkSide::rowsPerSecond).min().orElse(Double.NaN),
                reps.stream().mapToDouble(Samples.SinkSide::rowsPerSecond).max().orElse(Double.NaN),
                Samples.Sink.median(reps, Samples.SinkSide::seconds),
                Samples.Sink.median(reps, Samples.SinkSide::firstRowSeconds),
                rows / Samples.Sink.median(reps, Samples.SinkSide::transactions),
                Samples.Sink.median(reps, Samples.SinkSide::jvmCpuSecondsPerMillion),
                Samples.Sink.median(reps, Samples.SinkSide::writerCpuSecondsPerMillion),
                Samples.Sink.median(reps, Samples.SinkSide::writerAllocatedBytesPerRow),
                Samples.Sink.median(reps, Samples.SinkSide::postgresCpuSecondsPerMillion),
                100 * Samples.Sink.median(reps, Samples.SinkSide::otherProcessesCpuShare), how));
    }

    /** The sink's ratio line: the connector's median rows/s over the ceiling's, against its target. */
    static String sinkRatioLine(Samples.Sink sink) {
        final double r = sink.ratio();
        return String.format(Locale.ROOT, "ratio sink: JDBC sink connector / plain JDBC ceiling = %.2f (connector "
                        + "%,.0f rows/s vs ceiling %,.0f rows/s; target >= %.2f: %s)", r,
                Samples.Sink.median(sink.connector(), Samples.SinkSide::rowsPerSecond),
                Samples.Sink.median(sink.ceiling(), Samples.SinkSide::rowsPerSecond), TARGET_SINK_VS_CEILING,
                r >= TARGET_SINK_VS_CEILING ? "met" : "MISSED");
    }

    /** The features table: one row per side (medians over the repetitions), then the store's footprint. */
    static String featuresTable(Samples.Features f) {
        final StringBuilder b = new StringBuilder();
        b.append("| pipeline | records/s (median) | min | max | CPU s / M records (process) "
                + "| scoring-thread CPU s / M | alloc B / record (scoring thread) | peak heap MB "
                + "| other processes' CPU |\n");
        b.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        featuresRow(b, "no aggregates (38 event fields)", f.plain());
        featuresRow(b, f.aggregates().size() + " aggregates over " + String.join(", ", FeatureWorkload.WINDOWS)
                + " (30 event fields + aggregates)", f.withAggregates());
        if (!f.stores().isEmpty()) {
            final List<Samples.StoreFootprint> s = f.stores();
            final double keys = Samples.Features.median(s, Samples.StoreFootprint::keys);
            b.append(String.format(Locale.ROOT, "%nStore `%s` after a run with aggregates (median of %d): %,.0f keys; "
                            + "live entries %,.0f B/key (key + value); on disk %,.0f B/key (%,.1f MB, of which SST "
                            + "%,.1f MB; as RocksDB left it, uncompacted); changelog %,.1f MB = %,.0f B/event "
                            + "(every update, before compaction).%n", FeaturesRunner.STORE, s.size(), keys,
                    Samples.Features.median(s, x -> (double) x.liveBytes() / x.keys()),
                    Samples.Features.median(s, x -> (double) x.diskBytes() / x.keys()),
                    Samples.Features.median(s, x -> x.diskBytes() / 1048576.0),
                    Samples.Features.median(s, x -> x.sstBytes() / 1048576.0),
                    Samples.Features.median(s, x -> x.changelogBytes() / 1048576.0),
                    Samples.Features.median(s, x -> (double) x.changelogBytes() / f.events())));
        }
        return b.toString();
    }

    private static void featuresRow(StringBuilder b, String side, List<Samples.Throughput> reps) {
        b.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %,.0f | %,.0f | %.0f%% |%n",
                side, Samples.Features.median(reps, Samples.Throughput::recordsPerSecond),
                reps.stream().mapToDouble(Samples.Throughput::recordsPerSecond).min().orElse(Double.NaN),
                reps.stream().mapToDouble(Samples.Throughput::recordsPerSecond).max().orElse(Double.NaN),
                Samples.Features.median(reps, Samples.Throughput::cpuSecondsPerMillion),
                Samples.Features.median(reps, Samples.Throughput::threadCpuSecondsPerMillion),
                Samples.Features.median(reps, Samples.Throughput::allocatedBytesPerRecord),
                Samples.Features.median(reps, t -> t.peakHeapBytes() / 1048576.0),
                100 * Samples.Features.median(reps, Samples.Throughput::otherProcessesCpuShare)));
    }

    /**
     * The features mode's ratio line: median records/s with aggregates over without, the range of the
     * per-repetition ratios, the CPU per record of both, against the target.
     */
    static String featuresRatioLine(Samples.Features f) {
        final double r = f.ratio();
        double lo = Double.NaN;
        double hi = Double.NaN;
        for (double p : f.pairedRatios()) {
            lo = Double.isNaN(lo) ? p : Math.min(lo, p);
            hi = Double.isNaN(hi) ? p : Math.max(hi, p);
        }
        final double cpuWith = Samples.Features.median(f.withAggregates(), Samples.Throughput::cpuSecondsPerMillion);
        final double cpuWithout = Samples.Features.median(f.plain(), Samples.Throughput::cpuSecondsPerMillion);
        return String.format(Locale.ROOT, "ratio features: with %d aggregates / without = %.2f (%,.0f vs %,.0f rec/s; "
                        + "per repetition %.2f–%.2f; process CPU %.1f vs %.1f µs/record; target >= %.2f: %s)",
                f.aggregates().size(), r, Samples.Features.median(f.withAggregates(), Samples.Throughput::recordsPerSecond),
                Samples.Features.median(f.plain(), Samples.Throughput::recordsPerSecond), lo, hi, cpuWith, cpuWithout,
                TARGET_FEATURES_VS_PLAIN, r >= TARGET_FEATURES_VS_PLAIN ? "met" : "MISSED");
    }

    /** The best micro-batched cell of {@code model}, by median throughput. */
    static Optional<Samples.Cell> bestMicroBatched(List<Samples.Cell> cells, String model) {
        Samples.Cell best = null;
        for (Samples.Cell c : cells) {
            if (c.model().equals(model) && c.mode().microBatched()
                    && (best == null || c.medianRate() > best.medianRate())) {
                best = c;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Optional<Samples.Cell> find(List<Samples.Cell> cells, String model, Mode mode, int batch) {
        for (Samples.Cell c : cells) {
            if (c.model().equals(model) && c.mode() == mode && c.batch() == batch) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The model-only batch size that matches a micro-batched mode (adaptive: its cap). */
    static int modelOnlyBatchFor(Mode mode) {
        return mode == Mode.PER_RECORD ? 1 : mode.batchMaxRecords();
    }

    /**
     * The ratio lines, three per model: micro-batched best against per-record, passthrough and
     * model-only at the same batch size, each with its target where the issue sets one.
     */
    static List<String> ratioLines(List<Samples.Cell> cells, List<String> models) {
        final List<String> lines = new ArrayList<>();
        for (String model : models) {
            final Optional<Samples.Cell> best = bestMicroBatched(cells, model);
            if (best.isEmpty()) {
                lines.add("ratio " + model + ": no micro-batched mode was run; no ratios");
                continue;
            }
            final Samples.Cell b = best.get();
            final String bestText = String.format(Locale.ROOT, "%s %,.0f/s", b.label(), b.medianRate());
            lines.add(ratio(model, "micro-batched best / per-record", b, bestText,
                    find(cells, model, Mode.PER_RECORD, 0), model.equals(BenchModel.Kind.LARGE.label())
                            ? TARGET_VS_PER_RECORD_LARGE : Double.NaN));
            lines.add(ratio(model, "micro-batched best / passthrough", b, bestText,
                    find(cells, model, Mode.PASSTHROUGH, 0), TARGET_VS_PASSTHROUGH));
            final int size = modelOnlyBatchFor(b.mode());
            lines.add(ratio(model, "micro-batched best / model-only at batch " + size, b, bestText,
                    find(cells, model, Mode.MODEL_ONLY, size), Double.NaN));
            final Optional<Samples.Cell> raw = find(cells, model, Mode.RAW_COPY, 0);
            if (raw.isPresent()) {
                lines.add(rawCopyLine(model, b, raw.get(), find(cells, model, Mode.PASSTHROUGH, 0)));
            }
            final Optional<Samples.Cell> floor = find(cells, model, Mode.STREAMS_COPY, 0);
            if (floor.isPresent()) {
                lines.add(streamsCopyLine(model, b, floor.get()));
            }
            cpuLine(cells, model).ifPresent(lines::add);
            allocationLine(cells, model).ifPresent(lines::add);
        }
        return lines;
    }

    /**
     * The model's allocation per event on the scoring thread in each mode with sites, in run order:
     * measured in all, outside the Kafka consumer's fetch (sampled), and scorestream's own code apart from
     * the output values (sampled: issue 18's ≤ 64 B target) with the output values in brackets; empty if
     * no mode has sites.
     */
    static Optional<String> allocationLine(List<Samples.Cell> cells, String model) {
        final StringBuilder b = new StringBuilder();
        for (Samples.Cell c : cells) {
            final Samples.Allocation a = c.allocation();
            if (!c.model().equals(model) || a == null) {
                continue;
            }
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %,.0f / %,.0f / %,.0f [%,.0f]",
                    c.label(), a.measuredPerEvent(), a.excludingConsumerPerEvent(), a.ownExcludingOutputPerEvent(),
                    a.outputPerEvent()));
        }
        return b.length() == 0 ? Optional.empty() : Optional.of("alloc " + model + ": B/event on the scoring thread, "
                + "all / outside the consumer's fetch / scorestream's own code [its output values]: " + b);
    }

    /**
     * The model's CPU per event in each mode with a thread split, in run order: the scorer's (its own
     * threads) and, in parentheses, the process's minus the broker's and the harness's; empty if no mode
     * has a split.
     */
    static Optional<String> cpuLine(List<Samples.Cell> cells, String model) {
        final StringBuilder b = new StringBuilder();
        for (Samples.Cell c : cells) {
            final double scorer = c.median(Samples.Throughput::scorerCpuMicrosPerEvent);
            if (!c.model().equals(model) || Double.isNaN(scorer)) {
                continue;
            }
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f (%.1f)", c.label(),
                    scorer, c.median(Samples.Throughput::processMinusBrokerAndHarnessMicrosPerEvent)));
        }
        return b.length() == 0 ? Optional.empty() : Optional.of("cpu " + model + ": CPU-µs/event, scorer (process "
                + "minus broker and harness): " + b);
    }

    /**
     * Against the Kafka Streams floor ({@link Mode#STREAMS_COPY}): the best micro-batched mode's events/s
     * over the floor's, and the scorer CPU-µs per event of both with the difference, which is what
     * scorestream's processor (decode, batch, ONNX Runtime, encode) adds to a Kafka Streams application.
     */
    static String streamsCopyLine(String model, Samples.Cell best, Samples.Cell floor) {
        final double b = best.median(Samples.Throughput::scorerCpuMicrosPerEvent);
        final double f = floor.median(Samples.Throughput::scorerCpuMicrosPerEvent);
        return String.format(Locale.ROOT, "ratio %s: vs Kafka Streams floor = %s %.2f (streams-copy %,.0f/s); "
                        + "scorer CPU-µs/event: streams-copy %.1f, %s %.1f, scorestream's own %.1f", model,
                best.label(), best.medianRate() / floor.medianRate(), floor.medianRate(), f, best.label(), b, b - f);
    }

    /**
     * Against the raw-copy ceiling: the best micro-batched mode's and passthrough's events/s over raw
     * copy's, and the process CPU-µs per event of each.
     */
    static String rawCopyLine(String model, Samples.Cell best, Samples.Cell raw, Optional<Samples.Cell> passthrough) {
        final String pass = passthrough.map(p -> String.format(Locale.ROOT, "passthrough %.2f, ",
                p.medianRate() / raw.medianRate())).orElse("");
        final String passCpu = passthrough.map(p -> ", passthrough " + cpu(p)).orElse("");
        return String.format(Locale.ROOT, "ratio %s: vs raw-copy ceiling = %s%s %.2f (raw-copy %,.0f/s); "
                        + "CPU-µs/event: raw-copy %s%s, %s %s", model, pass, best.label(),
                best.medianRate() / raw.medianRate(), raw.medianRate(), cpu(raw), passCpu, best.label(), cpu(best));
    }

    /** A cell's process CPU-µs per event, with the scorer's in parentheses where there is a thread split. */
    private static String cpu(Samples.Cell c) {
        final double scorer = c.median(Samples.Throughput::scorerCpuMicrosPerEvent);
        return String.format(Locale.ROOT, "%.1f", c.median(Samples.Throughput::cpuMicrosPerEvent))
                + (Double.isNaN(scorer) ? "" : String.format(Locale.ROOT, " (scorer %.1f)", scorer));
    }

    private static String ratio(String model, String what, Samples.Cell best, String bestText,
                                Optional<Samples.Cell> other, double target) {
        if (other.isEmpty()) {
            return String.format(Locale.ROOT, "ratio %s: %s = n/a (not run)", model, what);
        }
        final double r = best.medianRate() / other.get().medianRate();
        final String verdict = Double.isNaN(target) ? "no target"
                : String.format(Locale.ROOT, "target >= %.2f: %s", target, r >= target ? "met" : "MISSED");
        return String.format(Locale.ROOT, "ratio %s: %s = %.2f (%s vs %s %,.0f/s; %s)", model, what, r, bestText,
                other.get().label(), other.get().medianRate(), verdict);
    }

    /**
     * The latency targets, one line per model: p99 at 50 % load of the 5 ms window against
     * {@code batch.max.wait.ms + 20 ms}, and adaptive's p99 against per-record's at the same load.
     */
    static List<String> latencyTargetLines(List<Samples.Latency> points, List<String> models) {
        final List<String> lines = new ArrayList<>();
        for (String model : models) {
            final Optional<Samples.Latency> window = point(points, model, LatencyConfig.WINDOW_5MS, 50);
            final Optional<Samples.Latency> adaptive = point(points, model, LatencyConfig.ADAPTIVE, 50);
            final Optional<Samples.Latency> perRecord = point(points, model, LatencyConfig.PER_RECORD, 50);
            if (window.isPresent()) {
                final double limit = LatencyConfig.WINDOW_5MS.batchMaxWaitMs() + 20;
                lines.add(String.format(Locale.ROOT, "latency %s: window-5ms p99 at 50%% load = %.0f ms "
                                + "(target <= %.0f ms: %s)", model, window.get().p99(), limit,
                        window.get().p99() <= limit ? "met" : "MISSED"));
            }
            if (adaptive.isPresent()) {
                final double limit = LatencyConfig.ADAPTIVE.batchMaxWaitMs() + 20;
                lines.add(String.format(Locale.ROOT, "latency %s: adaptive p99 at 50%% load = %.0f ms "
                                + "(target <= %.0f ms: %s)", model, adaptive.get().p99(), limit,
                        adaptive.get().p99() <= limit ? "met" : "MISSED"));
            }
            if (adaptive.isPresent() && perRecord.isPresent()) {
                lines.add(String.format(Locale.ROOT, "latency %s: adaptive p99 %.0f ms vs per-record p99 %.0f ms "
                                + "at 50%% load (target: adaptive no worse: %s)", model, adaptive.get().p99(),
                        perRecord.get().p99(), adaptive.get().p99() <= perRecord.get().p99() ? "met" : "MISSED"));
            }
        }
        return lines;
    }

    private static Optional<Samples.Latency> point(List<Samples.Latency> points, String model, LatencyConfig config,
                                                   int load) {
        for (Samples.Latency l : points) {
            if (l.model().equals(model) && l.config() == config && l.loadPercent() == load) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }
}
