package io.scorestream.connectors.load;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps what it is given, for tests; counts flushes. */
final class ListSink implements RowSink {

    final List<LoadRecord> records = new ArrayList<>();
    int flushes;

    @Override
    public void send(LoadRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
        flushes++;
    }

    /** The value of field {@code field} of record {@code i}, as a string (null stays null). */
    String value(int i, String field) {
        final Object v = records.get(i).value().get(field);
        return v == null ? null : v.toString();
    }
}
