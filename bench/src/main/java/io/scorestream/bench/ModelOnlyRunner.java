package io.scorestream.bench;

import io.scorestream.inference.BatchScorer;
import io.scorestream.inference.Device;
import io.scorestream.inference.InferenceSettings;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.ScoredBatch;
import io.scorestream.inference.ScoringModel;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.topology.serde.FeatureEventSerde;
import org.apache.avro.generic.GenericRecord;

/**
 * The inference ceiling: ONNX Runtime alone, through the same {@link BatchScorer} the processor
 * uses (feature extraction into direct buffers, one run per batch, scores read back), on records
 * decoded exactly as the stream decodes them, with no Kafka. Runs on the calling thread, whose CPU
 * time and allocations are the "scoring thread" figures of its rows.
 *
 * <p>Lifecycle: create, {@link #measure} any number of times, {@link #close()}. Not thread-safe.
 */
final class ModelOnlyRunner implements AutoCloseable {

    /** Distinct records cycled through (a power of two). */
    private static final int POOL = 4096;

    private final ScoringModel model;
    private final GenericRecord[] records = new GenericRecord[POOL];
    private final ResourceMeter meter;
    /** Keeps the scores alive so the JIT cannot drop the reads. */
    private double sink;

    ModelOnlyRunner(BenchModel bench, SchemaRegistry schemas, String device, long seed, ResourceMeter meter) {
        this.meter = meter;
        this.model = ScoringModel.create(bench.spec(), bench.onnx(), new OnnxModelLoader(InferenceSettings.builder()
                .device(Device.parse(device)).intraOpThreads(1).build()), true);
        final FeatureEventSerde serde = new FeatureEventSerde(schemas);
        final Preloader.Pool pool = bench.wide()
                ? WideEvents.pool(schemas, "bench-model-only-wide", POOL, bench.width(), seed)
                : Preloader.pool(schemas, "bench-model-only", POOL, seed);
        for (int i = 0; i < POOL; i++) {
            records[i] = serde.deserialize(bench.wide() ? "bench-model-only-wide" : "bench-model-only",
                    pool.values()[i]).record();
        }
    }

    /** Scores batches of {@code batch} rows for about {@code seconds} (after a short warm-up). */
    Samples.Throughput measure(int batch, double seconds) {
        try (BatchScorer scorer = model.newScorer(batch)) {
            run(scorer, batch, (long) (Math.min(0.3, seconds) * 1e9));
            meter.start();
            final long alloc0 = meter.currentThreadAllocatedBytes();
            final long cpu0 = meter.currentThreadCpuNanos();
            final long t0 = System.nanoTime();
            final long records = run(scorer, batch, (long) (seconds * 1e9));
            final long elapsed = System.nanoTime() - t0;
            final long alloc = meter.currentThreadAllocatedBytes() - alloc0;
            final long cpu = meter.currentThreadCpuNanos() - cpu0;
            final ResourceMeter.Usage usage = meter.stop();
            final double secs = elapsed / 1e9;
            return new Samples.Throughput(records, secs, records / secs, usage.processCpuNanos() / 1e9 / records * 1e6,
                    cpu / 1e9 / records * 1e6, (double) alloc / records, usage.peakHeapBytes(), usage.peakRssBytes(),
                    usage.otherProcessesCpuShare(), null);
        }
    }

    private long run(BatchScorer scorer, int batch, long nanos) {
        final long end = System.nanoTime() + nanos;
        long scored = 0;
        int next = 0;
        do {
            for (int i = 0; i < batch; i++) {
                scorer.add(this.records[next++ & (POOL - 1)]);
            }
            final ScoredBatch results = scorer.score();
            double s = 0;
            for (int i = 0; i < batch; i++) {
                s += results.score(i);
            }
            sink += s;
            scorer.clear();
            scored += batch;
        } while (System.nanoTime() < end);
        return scored;
    }

    double sink() {
        return sink;
    }

    @Override
    public void close() {
        model.close();
    }
}
