package io.scorestream.connectors.load;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * CSV with a header row (RFC 4180: fields separated by commas, quoted with {@code "} where they
 * hold commas, quotes or line breaks, a quote inside doubled), UTF-8, through commons-csv.
 *
 * <p>The header is the first record (it may itself span lines); its names must be distinct (empty
 * names are allowed and match no field). A row's line is the physical line it starts on, counted
 * from the header's line 1, so a quoted field with line breaks moves the lines of the rows after
 * it. An empty field is an absent value. A record made of one empty field is a blank line and is
 * skipped.
 */
final class CsvRowReader implements RowReader {

    /** RFC 4180, blank lines kept as records so that line numbers stay exact (they are skipped here). */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180;

    private final CountingInputStream in;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final List<String> columns;
    private long lineAfterPrevious;
    private String[] last = new String[0];

    CsvRowReader(Path file) throws IOException, LoadException {
        this.in = new CountingInputStream(Files.newInputStream(file));
        try {
            this.parser = CSVParser.builder().setReader(skipByteOrderMark(new InputStreamReader(in,
                    StandardCharsets.UTF_8))).setFormat(FORMAT).get();
            this.records = parser.iterator();
            this.columns = Collections.unmodifiableList(Arrays.asList(header()));
            this.lineAfterPrevious = parser.getCurrentLineNumber();
        } catch (IOException | LoadException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private String[] header() throws LoadException {
        final CSVRecord header;
        try {
            if (!records.hasNext()) {
                return new String[0];
            }
            header = records.next();
        } catch (UncheckedIOException e) {
            throw new LoadException("line 1: the header is not valid CSV: " + e.getCause().getMessage(), e);
        }
        final String[] names = header.values();
        final Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!name.isEmpty() && !seen.add(name)) {
                throw new LoadException("line 1: the header names column '" + name + "' twice");
            }
        }
        return names;
    }

    private static Reader skipByteOrderMark(Reader reader) throws IOException {
        final PushbackReader r = new PushbackReader(reader, 1);
        final int first = r.read();
        if (first >= 0 && first != '\uFEFF') {
            r.unread(first);
        }
        return r;
    }

    @Override
    public InputFormat format() {
        return InputFormat.CSV;
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public boolean columnsKnownUpFront() {
        return true;
    }

    @Override
    public Row next() throws LoadException, RowRejected {
        while (true) {
            final long line = lineAfterPrevious + 1;
            final CSVRecord record;
            try {
                if (!records.hasNext()) {
                    return null;
                }
                record = records.next();
            } catch (UncheckedIOException e) {
                throw new LoadException(String.format(Locale.ROOT, "line %d: not valid CSV from here on: %s", line,
                        e.getCause().getMessage()), e);
            }
            lineAfterPrevious = parser.getCurrentLineNumber();
            final String[] fields = record.values();
            if (fields.length == 1 && fields[0].isEmpty()) {
                continue; // a blank line
            }
            last = fields;
            if (fields.length != columns.size()) {
                throw new RowRejected(line, null, null, String.format(Locale.ROOT,
                        "has %d fields, the header has %d", fields.length, columns.size()));
            }
            final String[] values = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                values[i] = fields[i].isEmpty() ? null : fields[i];
            }
            return new Row(line, columns, values, null);
        }
    }

    @Override
    public long bytesRead() {
        return in.count();
    }

    @Override
    public Rejects openRejects(Path file) throws IOException {
        final String eol = parser.getFirstEndOfLine() != null ? parser.getFirstEndOfLine() : "\n";
        final BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        final CSVPrinter printer = new CSVPrinter(writer, FORMAT.builder().setRecordSeparator(eol).get());
        final List<String> header = new ArrayList<>(columns);
        header.add(columns.contains("reason") ? "reject_reason" : "reason");
        printer.printRecord(header);
        return new Rejects() {
            @Override
            public void write(RowRejected rejected) throws IOException {
                final List<String> fields = new ArrayList<>(Arrays.asList(last));
                fields.add(rejected.getMessage());
                printer.printRecord(fields);
            }

            @Override
            public void close() throws IOException {
                printer.close(true);
            }
        };
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
