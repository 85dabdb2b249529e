package io.scorestream.connectors.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A test double of the Connect framework's side of a sink task: records the timeouts the task asks
 * for and the records it reports as errant. With {@code withReporter=false} it behaves like a worker
 * running with {@code errors.tolerance=none}, which gives no reporter.
 */
final class RecordingSinkTaskContext implements SinkTaskContext {

    /** One errant record and the reason the task gave. */
    record Report(SinkRecord record, Throwable error) {
    }

    final List<Long> timeouts = new ArrayList<>();
    final List<Report> reports = new ArrayList<>();
    private final boolean withReporter;

    RecordingSinkTaskContext(final boolean withReporter) {
        this.withReporter = withReporter;
    }

    @Override
    public ErrantRecordReporter errantRecordReporter() {
        return withReporter ? this::report : null;
    }

    private Future<Void> report(final SinkRecord record, final Throwable error) {
        reports.add(new Report(record, error));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void timeout(final long timeoutMs) {
        timeouts.add(timeoutMs);
    }

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public void offset(final Map<TopicPartition, Long> offsets) {
        throw new UnsupportedOperationException("the sink never rewinds");
    }

    @Override
    public void offset(final TopicPartition tp, final long offset) {
        throw new UnsupportedOperationException("the sink never rewinds");
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.of();
    }

    @Override
    public void pause(final TopicPartition... partitions) {
        throw new UnsupportedOperationException("the sink never pauses");
    }

    @Override
    public void resume(final TopicPartition... partitions) {
        throw new UnsupportedOperationException("the sink never pauses");
    }

    @Override
    public void requestCommit() {
        throw new UnsupportedOperationException("the sink never requests commits");
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
