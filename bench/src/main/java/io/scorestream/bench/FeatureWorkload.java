package io.scorestream.bench;

import io.scorestream.inference.Sha256;
import io.scorestream.inference.features.AggregateSyntax;
import io.scorestream.inference.onnx.Mlp;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.Aggregate;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelOutput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the features mode scores: two versions of one model shape over the same events, and the
 * events.
 *
 * <ul>
 *   <li><b>Models.</b> One {@code Mlp.random(seed, 38, 64, 1)}, published twice: {@link #PLAIN_MODEL}
 *       fills its 38 columns with the 30 transaction features and 8 more event fields
 *       ({@link #PLAIN_EXTRA_FIELDS}); {@link #AGGREGATES_MODEL} fills the same 30 and then the 8
 *       {@link #AGGREGATES}, so both run the same ONNX graph on tensors of the same width and differ
 *       only in where 8 columns come from.</li>
 *   <li><b>Events</b> ({@link Events}): transactions evenly spaced over a span of event time, in
 *       time order, over a pool of accounts. Half of them go to an account drawn uniformly, the other
 *       half to one of the accounts of the last {@value #RECENT} events: card activity comes in bursts,
 *       so the short windows hold more than the current event and the long ones several buckets.</li>
 * </ul>
 *
 * <p>Stateless apart from {@link Events}, which is not thread-safe.
 */
final class FeatureWorkload {

    static final String PLAIN_MODEL = "features-plain";
    static final String AGGREGATES_MODEL = "features-aggregates";

    /** 8 aggregates over 3 windows, by account (the record key), in the text form of {@link AggregateSyntax}. */
    static final List<String> AGGREGATES = List.of(
            "n_10m=count() by account_id over 10m",
            "amount_sum_10m=sum(amount) by account_id over 10m",
            "amount_mean_1h=mean(amount) by account_id over 1h",
            "amount_max_1h=max(amount) by account_id over 1h",
            "amounts_distinct_1h=count_distinct(amount) by account_id over 1h",
            "amount_stddev_24h=stddev(amount) by account_id over 24h",
            "since_last_24h=since_last() by account_id over 24h",
            // is_fraud is the demo event's only categorical field: what is measured is the filter's cost
            "n_flagged_24h=count() by account_id over 24h where is_fraud = true");

    /** The windows of {@link #AGGREGATES}, as written there. */
    static final List<String> WINDOWS = List.of("10m", "1h", "24h");

    /** The event fields {@link #PLAIN_MODEL} reads where {@link #AGGREGATES_MODEL} reads the aggregates. */
    static final List<String> PLAIN_EXTRA_FIELDS = List.of("amount", "elapsed_seconds", "v1", "v2", "v3", "v4",
            "v5", "v6");

    /** Share of events that go to a recently seen account. */
    static final double REPEAT_SHARE = 0.5;
    /** How many of the latest events' accounts count as recent. */
    static final int RECENT = 1024;

    private FeatureWorkload() {
    }

    /** The model's layer widths: the 30 transaction features and 8 more columns, one hidden layer of 64. */
    static int[] widths() {
        return new int[] {SyntheticTransactions.FEATURE_COUNT + PLAIN_EXTRA_FIELDS.size(), 64, 1};
    }

    /** The ONNX bytes both specs carry; the same seed gives the same bytes. */
    static byte[] onnx(long seed) {
        return Mlp.random(seed, widths()).toOnnx();
    }

    /** The spec of {@link #PLAIN_MODEL}: no aggregates. */
    static ModelSpec plainSpec(byte[] onnx) {
        final List<FeatureColumn> columns = baseColumns();
        for (String field : PLAIN_EXTRA_FIELDS) {
            columns.add(FeatureColumn.newBuilder().setField(field).build());
        }
        return spec(PLAIN_MODEL, onnx, columns, null);
    }

    /**
     * The spec of {@link #AGGREGATES_MODEL}: the {@link #AGGREGATES}, each read by a column with a
     * default (-1 for since_last, 0 for the rest) for when it has no value.
     */
    static ModelSpec aggregatesSpec(byte[] onnx) {
        final List<FeatureColumn> columns = baseColumns();
        final List<Aggregate> aggregates = new ArrayList<>();
        for (String text : AGGREGATES) {
            final Aggregate a = AggregateSyntax.parse(text);
            aggregates.add(a);
            columns.add(FeatureColumn.newBuilder().setField(a.getName())
                    .setDefaultValue(a.getFunction().equals("since_last") ? -1.0 : 0.0).build());
        }
        return spec(AGGREGATES_MODEL, onnx, columns, aggregates);
    }

    private static List<FeatureColumn> baseColumns() {
        final List<FeatureColumn> columns = new ArrayList<>();
        for (String field : SyntheticTransactions.FEATURE_FIELDS) {
            columns.add(FeatureColumn.newBuilder().setField(field).build());
        }
        return columns;
    }

    private static ModelSpec spec(String name, byte[] onnx, List<FeatureColumn> columns, List<Aggregate> aggregates) {
        final int[] w = widths();
        final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("bench.shape", w[0] + "-" + w[1] + "-" + w[2]);
        return ModelSpec.newBuilder()
                .setName(name)
                .setVersion("1")
                .setArtifactBytes(ByteBuffer.wrap(onnx))
                .setSha256(Sha256.hex(onnx))
                .setInputs(List.of(ModelInput.newBuilder().setInputName(Mlp.INPUT).setColumns(columns).build()))
                .setOutput(ModelOutput.newBuilder().setScoreOutput(Mlp.OUTPUT).build())
                .setAggregates(aggregates)
                .setThreshold(0.5)
                .setCreatedAt(Instant.now())
                .setMetadata(metadata)
                .build();
    }

    /** The account id of pool index {@code i}: {@code acct-000042}. */
    static String accountId(int i) {
        return String.format(Locale.ROOT, "acct-%06d", i);
    }

    /**
     * The events of the features mode, one at a time: event {@code i} of {@code n} is stamped
     * {@code startMs + i * spanMs / n}. Same arguments, same events.
     */
    static final class Events {

        private final SyntheticTransactions generator;
        private final SplittableRandom rnd;
        private final String[] accounts;
        private final int[] recent = new int[RECENT];
        private final long n;
        private final long startMs;
        private final long spanMs;
        private long i;

        Events(long seed, int keys, long n, long startMs, long spanMs) {
            this.generator = new SyntheticTransactions(seed, 1);
            this.rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
            this.accounts = new String[keys];
            for (int k = 0; k < keys; k++) {
                accounts[k] = accountId(k);
            }
            this.n = n;
            this.startMs = startMs;
            this.spanMs = spanMs;
        }

        boolean hasNext() {
            return i < n;
        }

        /** The next event; its transaction id is {@code ftx-<index>}, its account the record key to use. */
        Transaction next() {
            final long ts = startMs + (long) ((double) i * spanMs / n);
            final Transaction t = generator.next(Instant.ofEpochMilli(ts));
            final int account = i >= RECENT && rnd.nextDouble() < REPEAT_SHARE
                    ? recent[rnd.nextInt(RECENT)] : rnd.nextInt(accounts.length);
            recent[(int) (i % RECENT)] = account;
            t.setAccountId(accounts[account]);
            t.setTransactionId("ftx-" + i);
            i++;
            return t;
        }
    }
}
