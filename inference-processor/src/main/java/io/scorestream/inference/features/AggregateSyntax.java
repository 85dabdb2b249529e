package io.scorestream.inference.features;

import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.AggregateFilter;

/**
 * The one-line text form of an {@link Aggregate}, as {@code scorestream models publish --aggregate}
 * takes it and {@code models list --history} shows it:
 *
 * <pre>
 * NAME=FUNC(ARG) by GROUP over WINDOW [bucket DURATION] [grace DURATION]
 *     [where FIELD = VALUE | where FIELD != VALUE] [excluding current]
 * </pre>
 *
 * <p>e.g. {@code amount_sum_24h=sum(amount) by account_id over 24h},
 * {@code tx_count_10m=count() by key over 10m where is_online = true}. {@code count(*)} is
 * {@code count()}; GROUP {@code key} is the record key (group_by null); a DURATION is an integer and
 * one of the units {@code ms s m h d}; a VALUE is one word, or a double-quoted text in which
 * {@code \"} and {@code \\} stand for {@code "} and {@code \}. The optional clauses may come in any
 * order, each at most once. Keywords and function names are lower case. Stateless.
 */
public final class AggregateSyntax {

    /** The expected form, quoted in parse errors. */
    public static final String FORM = "NAME=FUNC(ARG) by GROUP over WINDOW [bucket DURATION] [grace DURATION]"
            + " [where FIELD = VALUE | where FIELD != VALUE] [excluding current]";

    /** The group that stands for the record key. */
    public static final String KEY_GROUP = "key";

    private static final long[] UNIT_MS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    private static final String[] UNITS = {"d", "h", "m", "s", "ms"};

    private AggregateSyntax() {
    }

    /**
     * Parses one aggregate and validates it ({@link AggregateDefinition#of}). The result's bucket_ms
     * is the one given, or the default one resolved from the window, so a published spec says which
     * bucket its state uses.
     *
     * @throws IllegalArgumentException naming the text, the position (1-based character) and token
     *     that is wrong and the expected form; or what {@link AggregateDefinition#of} refuses
     */
    public static Aggregate parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no aggregate given; expected " + FORM);
        }
        final Aggregate parsed = new Parser(text).aggregate();
        final AggregateDefinition definition;
        try {
            definition = AggregateDefinition.of(parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid aggregate '" + text + "': " + e.getMessage(), e);
        }
        parsed.setBucketMs(definition.bucketMs());
        return parsed;
    }

    /**
     * The canonical text of {@code a}: durations in the largest unit that is exact, the bucket only
     * when given and not the default for the window, grace only when not 0, the filter when there is
     * one and {@code excluding current} when include_current is false. {@code parse(format(a))}
     * equals {@code a} with its bucket resolved (or as given).
     */
    public static String format(Aggregate a) {
        final StringBuilder b = new StringBuilder(96);
        b.append(a.getName()).append('=').append(a.getFunction()).append('(');
        if (a.getField() != null) {
            b.append(a.getField());
        }
        b.append(") by ").append(a.getGroupBy() == null ? KEY_GROUP : a.getGroupBy());
        b.append(" over ").append(formatDuration(a.getWindowMs()));
        final Long bucket = a.getBucketMs();
        if (bucket != null && bucket != AggregateDefinition.defaultBucketMs(a.getWindowMs())) {
            b.append(" bucket ").append(formatDuration(bucket));
        }
        if (a.getGraceMs() != 0) {
            b.append(" grace ").append(formatDuration(a.getGraceMs()));
        }
        final AggregateFilter f = a.getFilter();
        if (f != null) {
            b.append(" where ").append(f.getField()).append(f.getNegated() ? " != " : " = ");
            appendValue(b, f.getValue());
        }
        if (!a.getIncludeCurrent()) {
            b.append(" excluding current");
        }
        return b.toString();
    }

    /** A duration in the largest unit it is a whole number of, e.g. {@code 86400000} → {@code 1d}. */
    public static String formatDuration(long ms) {
        if (ms != 0) {
            for (int i = 0; i < UNIT_MS.length; i++) {
                if (ms % UNIT_MS[i] == 0) {
                    return (ms / UNIT_MS[i]) + UNITS[i];
                }
            }
        }
        return "0ms";
    }

    private static void appendValue(StringBuilder b, String value) {
        boolean quote = value.isEmpty();
        for (int i = 0; i < value.length() && !quote; i++) {
            final char c = value.charAt(i);
            quote = Character.isWhitespace(c) || c == '"' || c == '\\';
        }
        if (!quote) {
            b.append(value);
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    /** A cursor over one text; every error names the text, the 1-based position and what it found. */
    private static final class Parser {

        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        Aggregate aggregate() {
            skipSpace();
            final String name = identifier("the aggregate's NAME");
            skipSpace();
            expect('=', "'=' after the name");
            skipSpace();
            final int functionAt = pos;
            final String functionText = identifier("a function (" + AggregateDefinition.Function.validNames() + ")");
            final AggregateDefinition.Function function = AggregateDefinition.Function.fromText(functionText);
            if (function == null) {
                throw error(functionAt, "unknown function '" + functionText + "'; valid: "
                        + AggregateDefinition.Function.validNames());
            }
            skipSpace();
            expect('(', "'(' after the function");
            skipSpace();
            String field = null;
            if (peek() == '*') {
                if (function != AggregateDefinition.Function.COUNT) {
                    throw error(pos, "'*' is only for count(*); expected a field");
                }
                pos++;
            } else if (peek() != ')') {
                field = identifier("a field or ')'");
            }
            skipSpace();
            expect(')', "')'");
            keyword("by");
            skipSpace();
            final String group = identifier("GROUP (a field, or key)");
            keyword("over");
            skipSpace();
            final long window = duration("WINDOW");
            Long bucket = null;
            Long grace = null;
            AggregateFilter filter = null;
            boolean excludingCurrent = false;
            while (true) {
                final boolean hadSpace = skipSpace();
                if (pos == text.length()) {
                    break;
                }
                final int at = pos;
                final String clause = hadSpace ? word() : "";
                switch (clause) {
                    case "bucket" -> {
                        if (bucket != null) {
                            throw error(at, "'bucket' given twice");
                        }
                        skipSpace();
                        bucket = duration("a bucket DURATION");
                    }
                    case "grace" -> {
                        if (grace != null) {
                            throw error(at, "'grace' given twice");
                        }
                        skipSpace();
                        grace = duration("a grace DURATION");
                    }
                    case "where" -> {
                        if (filter != null) {
                            throw error(at, "'where' given twice");
                        }
                        filter = filter();
                    }
                    case "excluding" -> {
                        if (excludingCurrent) {
                            throw error(at, "'excluding current' given twice");
                        }
                        keyword("current");
                        excludingCurrent = true;
                    }
                    default -> {
                        pos = at;
                        throw error(at, "expected bucket, grace, where, excluding or the end but found "
                                + found(at));
                    }
                }
            }
            return Aggregate.newBuilder()
                    .setName(name)
                    .setFunction(function.text())
                    .setField(field)
                    .setGroupBy(KEY_GROUP.equals(group) ? null : group)
                    .setWindowMs(window)
                    .setBucketMs(bucket)
                    .setGraceMs(grace == null ? 0L : grace)
                    .setIncludeCurrent(!excludingCurrent)
                    .setFilter(filter)
                    .build();
        }

        private AggregateFilter filter() {
            skipSpace();
            final String field = identifier("the filter's FIELD");
            skipSpace();
            final boolean negated;
            if (text.startsWith("!=", pos)) {
                negated = true;
                pos += 2;
            } else if (peek() == '=') {
                negated = false;
                pos++;
            } else {
                throw error(pos, "expected '=' or '!=' but found " + found(pos));
            }
            skipSpace();
            return AggregateFilter.newBuilder().setField(field).setNegated(negated).setValue(value()).build();
        }

        private String value() {
            if (pos == text.length()) {
                throw error(pos, "expected a VALUE but found the end");
            }
            if (peek() != '"') {
                return word();
            }
            final int start = pos;
            pos++;
            final StringBuilder b = new StringBuilder();
            while (pos < text.length()) {
                final char c = text.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (pos == text.length()) {
                        break;
                    }
                    final char escaped = text.charAt(pos++);
                    if (escaped != '"' && escaped != '\\') {
                        throw error(pos - 2, "unknown escape '\\" + escaped + "' in a quoted VALUE (only \\\" and"
                                + " \\\\)");
                    }
                    b.append(escaped);
                } else {
                    b.append(c);
                }
            }
            throw error(start, "the quoted VALUE starting here is not closed with '\"'");
        }

        private long duration(String what) {
            final int start = pos;
            final String token = word();
            int digits = 0;
            while (digits < token.length() && token.charAt(digits) >= '0' && token.charAt(digits) <= '9') {
                digits++;
            }
            final String unit = token.substring(digits);
            int u = -1;
            for (int i = 0; i < UNITS.length; i++) {
                if (UNITS[i].equals(unit)) {
                    u = i;
                }
            }
            if (token.isEmpty() || digits == 0 || u < 0) {
                throw error(start, "expected " + what + " (an integer and one of ms, s, m, h, d, e.g. 10m) but"
                        + " found " + found(start));
            }
            try {
                return Math.multiplyExact(Long.parseLong(token.substring(0, digits)), UNIT_MS[u]);
            } catch (ArithmeticException | NumberFormatException e) {
                throw error(start, "the duration '" + token + "' is too large");
            }
        }

        private void keyword(String keyword) {
            final boolean hadSpace = skipSpace();
            final int start = pos;
            final String w = word();
            if (!w.equals(keyword)) {
                pos = start;
                throw error(start, "expected '" + keyword + "' but found " + found(start));
            }
            if (!hadSpace) {
                throw error(start, "expected a space before '" + keyword + "'");
            }
        }

        private String identifier(String what) {
            final int start = pos;
            if (pos < text.length() && isIdentifierStart(text.charAt(pos))) {
                pos++;
                while (pos < text.length() && isIdentifierPart(text.charAt(pos))) {
                    pos++;
                }
                return text.substring(start, pos);
            }
            throw error(start, "expected " + what + " but found " + found(start));
        }

        private void expect(char c, String what) {
            if (peek() != c) {
                throw error(pos, "expected " + what + " but found " + found(pos));
            }
            pos++;
        }

        /** The run of non-blank characters at the cursor (empty at the end), consumed. */
        private String word() {
            final int start = pos;
            while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return text.substring(start, pos);
        }

        private boolean skipSpace() {
            final int start = pos;
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return pos > start;
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        /** The token at {@code at} for a message: the run of non-blank characters, or the end. */
        private String found(int at) {
            if (at >= text.length()) {
                return "the end";
            }
            int end = at;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            return "'" + text.substring(at, Math.max(end, at + 1)) + "'";
        }

        private IllegalArgumentException error(int at, String what) {
            return new IllegalArgumentException("cannot parse aggregate '" + text + "' at character " + (at + 1)
                    + ": " + what + "; expected form: " + FORM);
        }

        private static boolean isIdentifierStart(char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        }

        private static boolean isIdentifierPart(char c) {
            return isIdentifierStart(c) || (c >= '0' && c <= '9');
        }
    }
}
