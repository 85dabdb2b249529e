package io.scorestream.topology.replay;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the report's tree (maps with string keys, lists, strings, numbers, booleans, null) as
 * indented JSON. Maps keep their iteration order; non-finite numbers, which JSON cannot express,
 * are written as null. Stateless and thread-safe.
 */
final class JsonText {

    private JsonText() {
    }

    static String write(Object value) {
        final StringBuilder out = new StringBuilder(4096);
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence s) {
            string(out, s.toString());
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else if (value instanceof Double || value instanceof Float) {
            final double d = ((Number) value).doubleValue();
            out.append(Double.isFinite(d) ? Double.toString(d) : "null");
        } else if (value instanceof Number n) {
            out.append(n.longValue());
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            final Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                final Map.Entry<?, ?> e = it.next();
                pad(out, indent + 1);
                string(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent + 1);
                out.append(it.hasNext() ? ",\n" : "\n");
            }
            pad(out, indent);
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            final Iterator<?> it = items.iterator();
            if (!it.hasNext()) {
                out.append("[]");
                return;
            }
            // Lists of plain numbers stay on one line (histograms); others get a line per item.
            final boolean flat = isFlat(items);
            out.append(flat ? "[" : "[\n");
            while (it.hasNext()) {
                if (!flat) {
                    pad(out, indent + 1);
                }
                write(out, it.next(), indent + 1);
                if (it.hasNext()) {
                    out.append(flat ? ", " : ",\n");
                }
            }
            if (!flat) {
                out.append('\n');
                pad(out, indent);
            }
            out.append(']');
        } else if (value instanceof long[] longs) {
            write(out, java.util.Arrays.stream(longs).boxed().toList(), indent);
        } else {
            string(out, value.toString());
        }
    }

    private static boolean isFlat(Iterable<?> items) {
        for (Object o : items) {
            if (!(o instanceof Number)) {
                return false;
            }
        }
        return true;
    }

    private static void pad(StringBuilder out, int indent) {
        for (int i = 0; i < indent; i++) {
            out.append("  ");
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
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
