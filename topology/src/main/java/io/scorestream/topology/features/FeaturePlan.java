package io.scorestream.topology.features;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateDefinition.Function;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * How one list of aggregates is computed on events of one schema: the aggregates grouped by group
 * (one store key per group and event), and within a group by state id (aggregates that differ only
 * in name or include_current share one state), with every field's position and kind and the filter's
 * literal resolved. Built once per (schema, list) by {@link FeatureEngine}, which owns it; holds the
 * per-event scratch state, so not thread-safe.
 *
 * <p>A list that cannot be computed on the schema (a field missing or of the wrong type, a filter
 * literal that does not fit its field) gives a plan that only {@linkplain #failure() fails}.
 */
final class FeaturePlan {

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    final Group[] groups;
    private final String failureReason;
    private final String failureMessage;

    private FeaturePlan(Group[] groups, String failureReason, String failureMessage) {
        this.groups = groups;
        this.failureReason = failureReason;
        this.failureMessage = failureMessage;
    }

    /** The error every event of this plan's schema gets, or null when the plan can compute. */
    AggregateException failure() {
        return failureReason == null ? null : new AggregateException(failureReason, failureMessage);
    }

    static FeaturePlan build(List<AggregateDefinition> aggregates, Schema schema) {
        try {
            return new FeaturePlan(groups(aggregates, schema), null, null);
        } catch (AggregateException e) {
            return new FeaturePlan(new Group[0], e.reason(), e.getMessage());
        }
    }

    private static Group[] groups(List<AggregateDefinition> aggregates, Schema schema) {
        // insertion order: groups in the order of their first aggregate, so store calls are in a fixed order
        final Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < aggregates.size(); i++) {
            final String g = aggregates.get(i).groupBy();
            byGroup.computeIfAbsent(g == null ? "" : g, k -> new ArrayList<>()).add(i);
        }
        final Group[] groups = new Group[byGroup.size()];
        int gi = 0;
        for (List<Integer> members : byGroup.values()) {
            groups[gi++] = group(aggregates, members, schema);
        }
        return groups;
    }

    private static Group group(List<AggregateDefinition> aggregates, List<Integer> members, Schema schema) {
        final AggregateDefinition first = aggregates.get(members.get(0));
        int groupPos = -1;
        FieldKind groupKind = null;
        if (first.groupBy() != null) {
            final Schema.Field f = field(schema, first, first.groupBy(), "group_by field");
            groupKind = FieldKind.of(f.schema());
            if (groupKind == null || !groupKind.groupable()) {
                throw missing(first, "group_by field '" + f.name() + "' is " + FieldKind.describe(f.schema())
                        + "; group by a string, enum, int, long or boolean field");
            }
            groupPos = f.pos();
        }
        final Map<Long, List<Integer>> byState = new LinkedHashMap<>();
        for (int i : members) {
            byState.computeIfAbsent(aggregates.get(i).stateId(), k -> new ArrayList<>()).add(i);
        }
        final List<Slot> slots = new ArrayList<>();
        for (List<Integer> sharing : byState.values()) {
            slots.add(slot(aggregates, sharing, schema));
        }
        // ascending state id: the order states are stored in
        slots.sort(Comparator.comparingLong(s -> s.state.stateId));
        return new Group(first, groupPos, groupKind, slots.toArray(new Slot[0]));
    }

    private static Slot slot(List<AggregateDefinition> aggregates, List<Integer> sharing, Schema schema) {
        final AggregateDefinition d = aggregates.get(sharing.get(0));
        int fieldPos = -1;
        FieldKind fieldKind = null;
        if (d.field() != null) {
            final Schema.Field f = field(schema, d, d.field(), "field");
            fieldKind = FieldKind.of(f.schema());
            final boolean fits = fieldKind != null
                    && (d.function() == Function.COUNT_DISTINCT || fieldKind.numericOrBoolean());
            if (!fits) {
                throw missing(d, "field '" + f.name() + "' is " + FieldKind.describe(f.schema()) + "; "
                        + d.function().text() + (d.function() == Function.COUNT_DISTINCT
                        ? " takes a number, boolean, string or enum field" : " takes a number or boolean field"));
            }
            fieldPos = f.pos();
        }
        final Filter filter = d.hasFilter() ? Filter.of(d, schema) : null;
        final int[] outputs = new int[sharing.size()];
        final boolean[] includeCurrent = new boolean[sharing.size()];
        final AggregateDefinition[] definitions = new AggregateDefinition[sharing.size()];
        for (int k = 0; k < sharing.size(); k++) {
            outputs[k] = sharing.get(k);
            definitions[k] = aggregates.get(outputs[k]);
            includeCurrent[k] = definitions[k].includeCurrent();
        }
        return new Slot(new AggregateState(d), fieldPos, fieldKind, filter, outputs, includeCurrent, definitions);
    }

    private static Schema.Field field(Schema schema, AggregateDefinition d, String name, String what) {
        final Schema.Field f = schema.getType() == Schema.Type.RECORD ? schema.getField(name) : null;
        if (f == null) {
            throw missing(d, what + " '" + name + "' is not in the event schema " + schema.getFullName());
        }
        return f;
    }

    static AggregateException missing(AggregateDefinition d, String what) {
        return new AggregateException(AggregateException.MISSING_FIELD, "aggregate '" + d.name() + "': " + what);
    }

    /** The aggregates of one group_by: one store key per event. */
    static final class Group {

        final AggregateDefinition first;
        final String groupBy;
        final byte[] prefix;
        final int fieldPos;
        final FieldKind kind;
        final Slot[] slots;

        // per event
        byte[] storeKey;
        boolean dirty;
        byte[] oldValue;
        byte[] newValue;
        private final StateCodec.Header header = new StateCodec.Header();

        // states of the stored value that are not this plan's: kept as they are unless expired
        private int kept;
        private int[] keptAt = new int[4];
        private int[] keptLength = new int[4];
        private long[] keptId = new long[4];
        private long[] keptNewest = new long[4];
        private long[] keptRetainedMs = new long[4];
        private boolean[] keptDropped = new boolean[4];

        Group(AggregateDefinition first, int fieldPos, FieldKind kind, Slot[] slots) {
            this.first = first;
            this.groupBy = first.groupBy();
            this.prefix = StateCodec.keyPrefix(groupBy);
            this.fieldPos = fieldPos;
            this.kind = kind;
            this.slots = slots;
        }

        /**
         * Builds the store key of the event's group.
         *
         * @throws AggregateException when the group is null, or not the record key when it must be
         */
        void key(byte[] recordKey, GenericRecord event, boolean mustMatchKey) {
            if (fieldPos < 0) {
                if (recordKey == null) {
                    throw new AggregateException(AggregateException.NULL_GROUP, "aggregate '" + first.name()
                            + "': the record key is null, and the aggregate groups by the record key");
                }
                storeKey = concat(prefix, recordKey, recordKey.length);
                return;
            }
            final Object v = event.get(fieldPos);
            if (v == null) {
                throw new AggregateException(AggregateException.NULL_GROUP, "aggregate '" + first.name()
                        + "': group_by field '" + groupBy + "' is null");
            }
            if (v instanceof Utf8 u) {
                storeKey = concat(prefix, u.getBytes(), u.getByteLength());
            } else {
                final byte[] text = switch (kind) {
                    case BOOLEAN -> (Boolean) v ? TRUE : FALSE;
                    case INT, LONG -> Long.toString(((Number) v).longValue()).getBytes(StandardCharsets.US_ASCII);
                    default -> v.toString().getBytes(StandardCharsets.UTF_8);
                };
                storeKey = concat(prefix, text, text.length);
            }
            if (mustMatchKey && (recordKey == null
                    || !Arrays.equals(storeKey, prefix.length, storeKey.length, recordKey, 0, recordKey.length))) {
                final String value = new String(storeKey, prefix.length, storeKey.length - prefix.length,
                        StandardCharsets.UTF_8);
                final String key = recordKey == null ? "null" : "'" + new String(recordKey, StandardCharsets.UTF_8) + "'";
                throw new AggregateException(AggregateException.NOT_PARTITIONED, "aggregate '" + first.name()
                        + "': group_by field '" + groupBy + "' is '" + value + "' but the record key is " + key
                        + ": the events of one " + groupBy + " may be spread over partitions, so the aggregate"
                        + " would be wrong; key the input topic by " + groupBy + ", or set repartition.by="
                        + groupBy);
            }
        }

        private static byte[] concat(byte[] prefix, byte[] bytes, int length) {
            final byte[] key = new byte[prefix.length + length];
            System.arraycopy(prefix, 0, key, 0, prefix.length);
            System.arraycopy(bytes, 0, key, prefix.length, length);
            return key;
        }

        /** Decodes the stored value into the slots' states; notes the states that are not the plan's. */
        void load(byte[] value) {
            oldValue = value;
            newValue = null;
            dirty = false;
            kept = 0;
            for (Slot s : slots) {
                s.state.clear();
            }
            if (value == null) {
                return;
            }
            final ByteBuffer in = StateCodec.open(value);
            final StateCodec.Header h = header;
            while (in.hasRemaining()) {
                h.read(in);
                final Slot slot = slot(h.stateId);
                if (slot != null) {
                    slot.state.decode(h, in);
                    if (in.position() != h.end) {
                        throw new IllegalStateException("aggregate state " + Long.toHexString(h.stateId)
                                + " is not as long as its prefix says");
                    }
                } else {
                    keep(h);
                }
                in.position(h.end);
            }
        }

        private Slot slot(long id) {
            int low = 0;
            int high = slots.length - 1;
            while (low <= high) {
                final int mid = (low + high) >>> 1;
                final long midId = slots[mid].state.stateId;
                if (midId < id) {
                    low = mid + 1;
                } else if (midId > id) {
                    high = mid - 1;
                } else {
                    return slots[mid];
                }
            }
            return null;
        }

        private void keep(StateCodec.Header h) {
            if (kept == keptAt.length) {
                keptAt = Arrays.copyOf(keptAt, kept * 2);
                keptLength = Arrays.copyOf(keptLength, kept * 2);
                keptId = Arrays.copyOf(keptId, kept * 2);
                keptNewest = Arrays.copyOf(keptNewest, kept * 2);
                keptRetainedMs = Arrays.copyOf(keptRetainedMs, kept * 2);
                keptDropped = Arrays.copyOf(keptDropped, kept * 2);
            }
            keptAt[kept] = h.at;
            keptLength[kept] = h.end - h.at;
            keptId[kept] = h.stateId;
            keptNewest[kept] = h.newest;
            keptRetainedMs[kept] = h.retainedMs;
            keptDropped[kept] = false;
            kept++;
        }

        /** Drops the kept states whose newest event is more than their own window + grace before {@code t}. */
        void dropExpiredKept(long t) {
            for (int k = 0; k < kept; k++) {
                if (StateCodec.olderThan(keptNewest[k], t, keptRetainedMs[k])) {
                    keptDropped[k] = true;
                    dirty = true;
                }
            }
        }

        /** Encodes the new value when something changed: null when no state is left. */
        void encode() {
            if (!dirty) {
                return;
            }
            int size = 1;
            int states = 0;
            for (Slot s : slots) {
                if (s.state.present) {
                    size += s.state.encodedSize();
                    states++;
                }
            }
            for (int k = 0; k < kept; k++) {
                if (!keptDropped[k]) {
                    size += keptLength[k];
                    states++;
                }
            }
            if (states == 0) {
                newValue = null;
                return;
            }
            final byte[] value = new byte[size];
            final ByteBuffer out = ByteBuffer.wrap(value);
            out.put(StateCodec.VERSION);
            // merge the plan's states and the kept ones in ascending state id
            int k = 0;
            for (Slot s : slots) {
                while (k < kept && keptId[k] < s.state.stateId) {
                    putKept(out, k++);
                }
                if (s.state.present) {
                    s.state.encode(out);
                }
            }
            while (k < kept) {
                putKept(out, k++);
            }
            newValue = value;
        }

        private void putKept(ByteBuffer out, int k) {
            if (!keptDropped[k]) {
                out.put(oldValue, keptAt[k], keptLength[k]);
            }
        }
    }

    /** One state of a group and the aggregates of the list that read it. */
    static final class Slot {

        final AggregateState state;
        final int fieldPos;
        final FieldKind fieldKind;
        final Filter filter;
        final int[] outputs;
        final boolean[] includeCurrent;
        final AggregateDefinition[] definitions;
        final boolean needsBefore;
        final boolean needsAfter;

        // per event: whether the event would update the state, and with what
        boolean adds;
        double x;
        long hash;

        Slot(AggregateState state, int fieldPos, FieldKind fieldKind, Filter filter, int[] outputs,
             boolean[] includeCurrent, AggregateDefinition[] definitions) {
            this.state = state;
            this.fieldPos = fieldPos;
            this.fieldKind = fieldKind;
            this.filter = filter;
            this.outputs = outputs;
            this.includeCurrent = includeCurrent;
            this.definitions = definitions;
            boolean before = false;
            boolean after = false;
            for (boolean include : includeCurrent) {
                before |= !include;
                after |= include;
            }
            this.needsBefore = before;
            this.needsAfter = after;
        }

        /** Reads what the event contributes, without changing anything. */
        void extract(GenericRecord event, ValueHasher hasher) {
            adds = filter == null || filter.matches(event.get(filter.pos));
            x = 0.0;
            hash = 0;
            if (!adds || fieldPos < 0) {
                return;
            }
            final Object v = event.get(fieldPos);
            if (v == null) {
                adds = false;
                return;
            }
            if (state.function == Function.COUNT_DISTINCT) {
                if ((fieldKind == FieldKind.FLOAT || fieldKind == FieldKind.DOUBLE)
                        && !Double.isFinite(((Number) v).doubleValue())) {
                    adds = false;
                    return;
                }
                hash = hasher.hash(v, fieldKind);
                return;
            }
            x = fieldKind == FieldKind.BOOLEAN ? ((Boolean) v ? 1.0 : 0.0) : ((Number) v).doubleValue();
            adds = Double.isFinite(x);
        }
    }

    /** A filter with its literal parsed for its field's kind. */
    static final class Filter {

        final int pos;
        private final FieldKind kind;
        private final boolean negated;
        private final boolean integralLiteral;
        private final long longLiteral;
        private final double doubleLiteral;
        private final float floatLiteral;
        private final boolean booleanLiteral;
        private final String textLiteral;
        private final byte[] utf8Literal;

        private Filter(int pos, FieldKind kind, boolean negated, boolean integralLiteral, long longLiteral,
                       double doubleLiteral, float floatLiteral, boolean booleanLiteral, String textLiteral) {
            this.pos = pos;
            this.kind = kind;
            this.negated = negated;
            this.integralLiteral = integralLiteral;
            this.longLiteral = longLiteral;
            this.doubleLiteral = doubleLiteral;
            this.floatLiteral = floatLiteral;
            this.booleanLiteral = booleanLiteral;
            this.textLiteral = textLiteral;
            this.utf8Literal = textLiteral.getBytes(StandardCharsets.UTF_8);
        }

        static Filter of(AggregateDefinition d, Schema schema) {
            final Schema.Field f = field(schema, d, d.filterField(), "filter field");
            final FieldKind kind = FieldKind.of(f.schema());
            if (kind == null) {
                throw missing(d, "filter field '" + f.name() + "' is " + FieldKind.describe(f.schema())
                        + "; a filter compares a number, boolean, string or enum field");
            }
            final String text = d.filterValue();
            boolean integral = false;
            long l = 0;
            double dbl = 0;
            float flt = 0;
            boolean bool = false;
            switch (kind) {
                case INT, LONG, FLOAT, DOUBLE -> {
                    final BigDecimal number;
                    try {
                        number = new BigDecimal(text.trim());
                    } catch (NumberFormatException e) {
                        throw missing(d, "filter value '" + text + "' is not a number, but field '" + f.name()
                                + "' is " + FieldKind.describe(f.schema()));
                    }
                    dbl = number.doubleValue();
                    flt = number.floatValue();
                    try {
                        l = number.longValueExact();
                        integral = true;
                    } catch (ArithmeticException e) {
                        // not a whole number within long: no int or long value equals it
                        integral = false;
                    }
                }
                case BOOLEAN -> {
                    if (!text.equals("true") && !text.equals("false")) {
                        throw missing(d, "filter value '" + text + "' is not true or false, but field '"
                                + f.name() + "' is boolean");
                    }
                    bool = text.equals("true");
                }
                case ENUM -> {
                    final Schema e = FieldKind.unwrapNullable(f.schema());
                    if (!e.hasEnumSymbol(text)) {
                        throw missing(d, "filter value '" + text + "' is not a symbol of enum field '" + f.name()
                                + "' (" + String.join(", ", e.getEnumSymbols()) + ")");
                    }
                }
                default -> {
                }
            }
            return new Filter(f.pos(), kind, d.filterNegated(), integral, l, dbl, flt, bool, text);
        }

        /** Whether an event whose filter field is {@code v} passes; a null never does, with = or !=. */
        boolean matches(Object v) {
            if (v == null) {
                return false;
            }
            final boolean equal = switch (kind) {
                case INT, LONG -> integralLiteral && ((Number) v).longValue() == longLiteral;
                case FLOAT -> ((Number) v).floatValue() == floatLiteral;
                case DOUBLE -> ((Number) v).doubleValue() == doubleLiteral;
                case BOOLEAN -> ((Boolean) v) == booleanLiteral;
                case STRING -> v instanceof Utf8 u
                        ? Arrays.equals(u.getBytes(), 0, u.getByteLength(), utf8Literal, 0, utf8Literal.length)
                        : textLiteral.contentEquals((CharSequence) v);
                case ENUM -> textLiteral.equals(v.toString());
            };
            return equal != negated;
        }
    }
}
