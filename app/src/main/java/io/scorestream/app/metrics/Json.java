package io.scorestream.app.metrics;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A minimal JSON writer for small documents (the health endpoints' bodies, the replay report):
 * maps (keys rendered with {@code String.valueOf}, in iteration order), iterables, object arrays,
 * {@code long[]}, {@code int[]} and {@code double[]}, strings, numbers, booleans, {@link Optional}s
 * and null; anything else as its {@code toString()}. Numbers JSON has no literal for (NaN,
 * infinities) are written as {@link NonFinite chosen}. Nesting deeper than {@value #MAX_DEPTH} is
 * cut off with {@code "..."}, so a self-referencing structure cannot overflow the stack. Stateless
 * and thread-safe.
 */
public final class Json {

    public static final int MAX_DEPTH = 16;

    /** How a NaN or infinite {@code double} or {@code float} is written. */
    public enum NonFinite {
        /** As a string: {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}. */
        STRING,
        /** As {@code null}. */
        NULL
    }

    private Json() {
    }

    /** {@code value} on one line, without spaces; non-finite numbers as strings. */
    public static String write(final Object value) {
        final StringBuilder out = new StringBuilder(256);
        write(out, value, 0, false, NonFinite.STRING);
        return out.toString();
    }

    /**
     * {@code value} for people to read: two spaces of indentation per level, an entry or item per
     * line, except that a list of numbers only (a histogram, say) stays on one line; no final line
     * break.
     */
    public static String writeIndented(final Object value, final NonFinite nonFinite) {
        final StringBuilder out = new StringBuilder(4096);
        write(out, value, 0, true, nonFinite);
        return out.toString();
    }

    private static void write(final StringBuilder out, final Object value, final int depth, final boolean indented,
                              final NonFinite nonFinite) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence || value instanceof Character || value instanceof Enum<?>) {
            string(out, value.toString());
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            final double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                out.append(value);
            } else if (nonFinite == NonFinite.NULL) {
                out.append("null");
            } else {
                string(out, value.toString());
            }
        } else if (value instanceof Number) {
            out.append(value);
        } else if (value instanceof Optional<?> optional) {
            write(out, optional.orElse(null), depth, indented, nonFinite);
        } else if (depth >= MAX_DEPTH) {
            string(out, "...");
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                newLine(out, indented, depth + 1);
                string(out, String.valueOf(e.getKey()));
                out.append(indented ? ": " : ":");
                write(out, e.getValue(), depth + 1, indented, nonFinite);
            }
            newLine(out, indented, depth);
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            list(out, items, depth, indented, nonFinite);
        } else if (value instanceof Object[] items) {
            list(out, Arrays.asList(items), depth, indented, nonFinite);
        } else if (value instanceof long[] items) {
            list(out, Arrays.stream(items).boxed().toList(), depth, indented, nonFinite);
        } else if (value instanceof int[] items) {
            list(out, Arrays.stream(items).boxed().toList(), depth, indented, nonFinite);
        } else if (value instanceof double[] items) {
            list(out, Arrays.stream(items).boxed().toList(), depth, indented, nonFinite);
        } else {
            string(out, value.toString());
        }
    }

    private static void list(final StringBuilder out, final Iterable<?> items, final int depth, final boolean indented,
                             final NonFinite nonFinite) {
        final Iterator<?> it = items.iterator();
        if (!it.hasNext()) {
            out.append("[]");
            return;
        }
        // Indented, lists of plain numbers stay on one line (histograms); others get a line per item.
        final boolean lines = indented && !numbersOnly(items);
        out.append('[');
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                out.append(indented && !lines ? ", " : ",");
            }
            first = false;
            newLine(out, lines, depth + 1);
            write(out, it.next(), depth + 1, indented, nonFinite);
        }
        newLine(out, lines, depth);
        out.append(']');
    }

    private static boolean numbersOnly(final Iterable<?> items) {
        for (final Object o : items) {
            if (!(o instanceof Number)) {
                return false;
            }
        }
        return true;
    }

    /** When {@code indented}, a line break and {@code depth} levels of indentation. */
    private static void newLine(final StringBuilder out, final boolean indented, final int depth) {
        if (indented) {
            out.append('\n');
            for (int i = 0; i < depth; i++) {
                out.append("  ");
            }
        }
    }

    /** Appends {@code s} as a JSON string, escaping quotes, backslashes and control characters. */
    private static void string(final StringBuilder out, final String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // U+2028/2029 are legal JSON but break JavaScript that evals it; escape them too.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
