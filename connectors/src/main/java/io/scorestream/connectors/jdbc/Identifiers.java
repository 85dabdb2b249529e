package io.scorestream.connectors.jdbc;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.connect.errors.ConnectException;

/** PostgreSQL identifiers: table names made from topics, and quoting. Stateless. */
final class Identifiers {

    /** PostgreSQL keeps the first NAMEDATALEN - 1 = 63 bytes of an identifier and drops the rest. */
    static final int MAX_BYTES = 63;

    private Identifiers() {
    }

    /**
     * {@code raw} as a plain identifier: lower-cased, characters other than {@code [a-z0-9_]} replaced
     * by {@code _}, a leading digit prefixed with {@code _}, cut to {@value #MAX_BYTES} bytes. The result
     * needs no quoting, so the table can be queried as written.
     */
    static String tableName(final String raw) {
        final String lower = raw.toLowerCase(Locale.ROOT);
        final StringBuilder name = new StringBuilder(lower.length() + 1);
        for (int i = 0; i < lower.length(); i++) {
            final char c = lower.charAt(i);
            name.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        if (name.length() == 0 || Character.isDigit(name.charAt(0))) {
            name.insert(0, '_');
        }
        // ASCII only by now: one byte per character.
        return name.length() > MAX_BYTES ? name.substring(0, MAX_BYTES) : name.toString();
    }

    /**
     * {@code name} quoted ({@code "a""b"}), case and characters kept.
     *
     * @throws ConnectException when PostgreSQL could not store it unchanged (NUL, longer than 63 bytes)
     */
    static String quote(final String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0
                || name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new ConnectException("'" + name.replace("\0", "\\0") + "' cannot be a PostgreSQL identifier: "
                    + "it must be 1 to " + MAX_BYTES + " bytes (UTF-8) without NUL");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
