package io.scorestream.connectors.load;

/**
 * Where {@link FileLoader} hands the converted rows: a Kafka topic ({@link KafkaRowSink}), or a
 * test's list.
 *
 * <p>{@link FileLoader} calls {@link #send} once per row, in file order, from one thread, then
 * {@link #flush()} once when it stops (at the end, or at the first rejected row). A sink may send
 * asynchronously; {@code flush} returns only when everything sent is durably written. The sink's
 * owner closes it, if it needs closing.
 */
public interface RowSink {

    /**
     * Hands over one record.
     *
     * @throws LoadException if it cannot be taken (e.g. an earlier send failed; it cannot be serialized)
     */
    void send(LoadRecord record) throws LoadException;

    /**
     * Waits until every record handed over is written.
     *
     * @throws LoadException if one was not, naming how many were and the first failure
     */
    void flush() throws LoadException;
}
