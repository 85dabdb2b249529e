package io.scorestream.app.demo;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.features.AggregateSyntax;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The behavioural features of the demo's second model: windowed aggregates of each account's recent
 * transactions, as {@code scorestream models publish --aggregate} takes them, and the input that
 * feeds them to the model after the 30 fields of the event. Stateless.
 *
 * <p>The windows are short because the demo's world is fast: {@value SyntheticTransactionFeed#DEFAULT_ACCOUNTS}
 * accounts share a few thousand transactions a second, so an account pays about every second, while a
 * fraud burst ({@link SyntheticTransactions.Builder#burstFraudRate(double)}) puts its transactions a
 * few transactions of the stream apart, a few milliseconds: a window of 100 ms holds a whole burst and
 * seldom more than one ordinary transaction of the account.
 */
public final class DemoAggregates {

    /** The default of {@code gap_s} (no previous transaction of the account within its window): the window, in seconds. */
    static final double NO_GAP_SECONDS = 10;

    /** The aggregates in their text form, in the order the model's input takes them. */
    public static final List<String> TEXTS = List.of(
            "n_100ms=count() by account_id over 100ms bucket 10ms",
            "amount_100ms=sum(amount) by account_id over 100ms bucket 10ms",
            "gap_s=since_last() by account_id over 10s",
            "n_10s=count() by account_id over 10s");

    private static final List<AggregateDefinition> DEFINITIONS = definitions(TEXTS);

    private DemoAggregates() {
    }

    /** The aggregates as the spec declares them (buckets resolved), in input order. */
    public static List<Aggregate> aggregates() {
        final List<Aggregate> list = new ArrayList<>();
        for (String text : TEXTS) {
            list.add(AggregateSyntax.parse(text));
        }
        return list;
    }

    /** The validated definitions, in input order; the same list on every call. */
    public static List<AggregateDefinition> definitions() {
        return DEFINITIONS;
    }

    /** How many values the aggregates add to a row. */
    public static int count() {
        return DEFINITIONS.size();
    }

    /** The default a nullable aggregate's column gets, or null for one that always has a value. */
    static Double defaultValue(AggregateDefinition d) {
        return d.nullable() ? NO_GAP_SECONDS : null;
    }

    /** The columns of the model's one input: the 30 event fields, then the aggregates by name. */
    public static List<ModelInput> inputs() {
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String field : SyntheticTransactions.FEATURE_FIELDS) {
            columns.add(FeatureColumn.newBuilder().setField(field).build());
        }
        for (AggregateDefinition d : DEFINITIONS) {
            columns.add(FeatureColumn.newBuilder().setField(d.name()).setDefaultValue(defaultValue(d)).build());
        }
        return List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build());
    }

    /**
     * The options of {@code scorestream models publish} that declare the aggregates and map the input
     * ({@code --aggregate TEXT} for each, then {@code --input features=...}), so the command builds
     * the spec {@link #inputs()} and {@link #aggregates()} describe.
     */
    public static List<String> publishOptions() {
        final List<String> options = new ArrayList<>();
        for (String text : TEXTS) {
            options.add("--aggregate");
            options.add(text);
        }
        final StringBuilder columns = new StringBuilder(Mlp.INPUT).append('=');
        columns.append(String.join(",", SyntheticTransactions.FEATURE_FIELDS));
        for (AggregateDefinition d : DEFINITIONS) {
            columns.append(',').append(d.name());
            final Double def = defaultValue(d);
            if (def != null) {
                columns.append(':').append(String.format(Locale.ROOT, "%s", def));
            }
        }
        options.add("--input");
        options.add(columns.toString());
        return options;
    }

    private static List<AggregateDefinition> definitions(List<String> texts) {
        final List<AggregateDefinition> list = new ArrayList<>();
        for (String text : texts) {
            final AggregateDefinition d = AggregateDefinition.of(AggregateSyntax.parse(text));
            if (d.nullable() && d.function() != AggregateDefinition.Function.SINCE_LAST) {
                // NO_GAP_SECONDS is a default for a gap only
                throw new IllegalStateException("no default for the nullable aggregate " + d.name());
            }
            list.add(d);
        }
        return List.copyOf(list);
    }
}
