package io.scorestream.inference.training;

import io.scorestream.schemas.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A deterministic generator of {@link Transaction} records shaped like the public card-fraud data
 * set: {@code v1..v28} roughly standard normal with a few correlated pairs, {@code amount}
 * log-normal, {@code elapsed_seconds} exponential, accounts drawn from a fixed pool, and a
 * configurable fraud rate (default {@value #DEFAULT_FRAUD_RATE}).
 *
 * <p>Fraud follows a hidden rule: a fraud row has {@code v4} and {@code v11} shifted up,
 * {@code v10}, {@code v12} and {@code v14} shifted down (by a per-row strength), a short
 * {@code elapsed_seconds} and either a tiny or a large {@code amount}. A fraction of fraud rows
 * ({@link Builder#camouflagedFraction(double)}, default {@value #DEFAULT_CAMOUFLAGED_FRACTION})
 * carry none of these signs, so a good model reaches a ROC AUC of roughly 0.9 to 0.97, never 1.
 *
 * <p><b>Behavioural fraud</b> (opt-in, {@link Builder#burstFraudRate(double)}, default off): now
 * and then an account, chosen at random, makes a burst of {@value #MIN_BURST_SMALL} to
 * {@value #MAX_BURST_SMALL} small transactions followed by a large one, all labelled fraud. Each of
 * them is drawn like a normal transaction (no fraud signs; the small ones' amounts below the usual
 * amount, the large one's above it, both within the usual range), so no single record
 * gives it away: only the account's behaviour over time does. A burst's transactions are returned by
 * the calls that follow its start, each due 1 to {@value #MAX_BURST_GAP} calls after the previous one
 * (a call or two later when another burst's is due too), interleaved with the other accounts'
 * transactions; so with event times that increase from call to
 * call, a burst spans a few dozen transactions of the stream, close together in event time, and every
 * account's transactions stay in time order. With the pattern off the generator draws exactly the
 * records it drew before the pattern existed.
 *
 * <p>Same seed and same calls give the same records (the generator uses only
 * {@link SplittableRandom} and its own normal sampler). Not thread-safe: one instance per thread.
 */
public final class SyntheticTransactions {

    /** The model's 30 input columns, in order: elapsed_seconds, v1..v28, amount. */
    public static final List<String> FEATURE_FIELDS = featureFields();
    /** Number of feature columns. */
    public static final int FEATURE_COUNT = 30;
    /** Default share of fraudulent transactions. */
    public static final double DEFAULT_FRAUD_RATE = 0.02;
    /** Default share of fraud rows that look entirely normal (label noise). */
    public static final double DEFAULT_CAMOUFLAGED_FRACTION = 0.12;
    /** Width of the optional {@code embedding} field. */
    public static final int EMBEDDING_WIDTH = 8;
    /** Fewest small transactions in a burst, before its large one. */
    public static final int MIN_BURST_SMALL = 3;
    /** Most small transactions in a burst, before its large one. */
    public static final int MAX_BURST_SMALL = 8;
    /** Most calls between two transactions of one burst (the fewest is 1: the next call). */
    public static final int MAX_BURST_GAP = 6;
    /** Mean number of transactions in a burst, the large one included. */
    private static final double MEAN_BURST_LENGTH = (MIN_BURST_SMALL + MAX_BURST_SMALL) / 2.0 + 1;

    private final SplittableRandom rnd;
    private final String[] accountIds;
    private final double fraudRate;
    private final double camouflagedFraction;
    private final double embeddingFraction;
    private final String idPrefix;
    /** Chance that a call not owed to a running burst starts one; 0 when the pattern is off. */
    private final double burstStartChance;
    /** The bursts under way, in no particular order; a handful at most. */
    private final List<Burst> bursts = new ArrayList<>();
    private final double[] z = new double[28];
    private long sequence;
    private long calls;
    private boolean haveSpareNormal;
    private double spareNormal;

    private SyntheticTransactions(final Builder b) {
        this.rnd = new SplittableRandom(b.seed);
        this.fraudRate = b.fraudRate;
        this.camouflagedFraction = b.camouflagedFraction;
        this.embeddingFraction = b.embeddingFraction;
        this.accountIds = new String[b.accounts];
        for (int i = 0; i < accountIds.length; i++) {
            accountIds[i] = String.format(Locale.ROOT, "acct-%06d", i);
        }
        this.idPrefix = String.format(Locale.ROOT, "tx-%08x-", (int) (b.seed ^ (b.seed >>> 32)));
        // A share f of the calls go to bursts; bursts start on the other 1 - f, MEAN_BURST_LENGTH
        // transactions each, so the chance per free call is f / ((1 - f) * MEAN_BURST_LENGTH).
        final double f = b.burstFraudRate;
        this.burstStartChance = f == 0 ? 0 : Math.min(1.0, f / ((1.0 - f) * MEAN_BURST_LENGTH));
    }

    /** A generator with the given seed and account pool, and every other setting at its default. */
    public SyntheticTransactions(final long seed, final int accounts) {
        this(builder(seed).accounts(accounts).validate());
    }

    /** Starts configuring a generator. */
    public static Builder builder(final long seed) {
        return new Builder(seed);
    }

    /**
     * The next transaction, stamped with {@code eventTime}. Its {@code is_fraud} is always set;
     * its {@code embedding} is present on about {@link Builder#embeddingFraction(double)} of
     * records and null otherwise. Its {@code transaction_id} is unique within this generator (a
     * seed-derived prefix and a sequence number). With behavioural fraud on, it may be the next
     * transaction of a burst under way, or the first of a new one; give event times that never
     * decrease from call to call, so that every account's transactions are in time order.
     */
    public Transaction next(final Instant eventTime) {
        Objects.requireNonNull(eventTime, "eventTime");
        final long call = calls++;
        if (burstStartChance > 0) {
            final Burst due = dueBurst(call);
            if (due != null) {
                return burstTransaction(due, eventTime, call);
            }
            if (rnd.nextDouble() < burstStartChance) {
                final Burst started = new Burst(freeAccount(), rnd.nextInt(MIN_BURST_SMALL, MAX_BURST_SMALL + 1));
                bursts.add(started);
                return burstTransaction(started, eventTime, call);
            }
        }
        final boolean fraud = rnd.nextDouble() < fraudRate;
        final boolean showsSigns = fraud && rnd.nextDouble() >= camouflagedFraction;
        return draw(eventTime, fraud, showsSigns, 0);
    }

    /**
     * One transaction: fraud signs when {@code showsSigns}; {@code amountHalf} -1 takes its amount
     * from the lower half of the normal amount distribution, +1 from the upper half, 0 from all of it.
     */
    private Transaction draw(final Instant eventTime, final boolean fraud, final boolean showsSigns,
                             final int amountHalf) {
        for (int i = 0; i < z.length; i++) {
            z[i] = normal();
        }
        // A few correlated pairs, each mixed so that every column stays unit-variance.
        final double v1 = z[0];
        final double v2 = 0.6 * z[0] + 0.8 * z[1];
        final double v3 = -0.5 * z[0] + 0.8660254 * z[2];
        final double v5 = 0.4 * z[3] + 0.9165151 * z[4];
        final double v7 = z[6];
        final double v20 = 0.3 * z[6] + 0.9539392 * z[19];

        double v4 = z[3];
        double v10 = z[9];
        double v11 = z[10];
        double v12 = z[11];
        double v14 = z[13];
        double v17 = z[16];
        final double spread = 1.1 * normal();
        double logAmount = 3.4 + 0.35 * v7 + (amountHalf == 0 ? spread : amountHalf * Math.abs(spread));
        double meanElapsed = 6 * 3600.0;
        if (showsSigns) {
            final double s = rnd.nextDouble(0.4, 1.4);
            v4 += 2.0 * s;
            v10 -= 1.2 * s;
            v11 += 1.0 * s;
            v12 -= 1.8 * s;
            v14 -= 2.4 * s;
            v17 *= 1.6;
            logAmount = rnd.nextDouble() < 0.35 ? 0.2 + 0.6 * normal() : 5.2 + 0.9 * normal();
            meanElapsed = 1800.0;
        }

        final Transaction t = new Transaction();
        t.setTransactionId(idPrefix + Long.toHexString(sequence++));
        t.setAccountId(accountIds[rnd.nextInt(accountIds.length)]);
        t.setEventTime(eventTime);
        t.setElapsedSeconds(-meanElapsed * Math.log(1.0 - rnd.nextDouble()));
        t.setV1(v1);
        t.setV2(v2);
        t.setV3(v3);
        t.setV4(v4);
        t.setV5(v5);
        t.setV6(z[5]);
        t.setV7(v7);
        t.setV8(z[7]);
        t.setV9(z[8]);
        t.setV10(v10);
        t.setV11(v11);
        t.setV12(v12);
        t.setV13(z[12]);
        t.setV14(v14);
        t.setV15(z[14]);
        t.setV16(z[15]);
        t.setV17(v17);
        t.setV18(z[17]);
        t.setV19(z[18]);
        t.setV20(v20);
        t.setV21(z[20]);
        t.setV22(z[21]);
        t.setV23(z[22]);
        t.setV24(z[23]);
        t.setV25(z[24]);
        t.setV26(z[25]);
        t.setV27(z[26]);
        t.setV28(z[27]);
        // Cents, as a payment amount has.
        t.setAmount(Math.round(Math.exp(logAmount) * 100.0) / 100.0);
        if (embeddingFraction > 0 && rnd.nextDouble() < embeddingFraction) {
            final List<Float> embedding = new ArrayList<>(EMBEDDING_WIDTH);
            for (int i = 0; i < EMBEDDING_WIDTH; i++) {
                // The first two dimensions carry a weak trace of the fraud signal.
                final double shift = showsSigns && i < 2 ? 0.8 : 0.0;
                embedding.add((float) (normal() + shift));
            }
            t.setEmbedding(embedding);
        }
        t.setIsFraud(fraud);
        return t;
    }

    /** The burst owed this call (the one due longest), removed from the list if this is its last transaction. */
    private Burst dueBurst(final long call) {
        Burst due = null;
        for (final Burst b : bursts) {
            if (b.dueCall <= call && (due == null || b.dueCall < due.dueCall)) {
                due = b;
            }
        }
        return due;
    }

    /** The next transaction of {@code burst}, made at call {@code call}; schedules the one after it. */
    private Transaction burstTransaction(final Burst burst, final Instant eventTime, final long call) {
        final boolean large = burst.smallLeft == 0;
        final Transaction t = draw(eventTime, true, false, large ? 1 : -1);
        t.setAccountId(burst.account);
        if (large) {
            bursts.remove(burst);
        } else {
            burst.smallLeft--;
            burst.dueCall = call + rnd.nextInt(1, MAX_BURST_GAP + 1);
        }
        return t;
    }

    /** An account of the pool with no burst under way. */
    private String freeAccount() {
        while (true) {
            final String account = accountIds[rnd.nextInt(accountIds.length)];
            boolean busy = false;
            for (final Burst b : bursts) {
                busy |= b.account.equals(account);
            }
            // The pool is far larger than the bursts under way, except in tiny test pools.
            if (!busy || bursts.size() >= accountIds.length) {
                return account;
            }
        }
    }

    /**
     * Generates {@code rows} transactions one {@code stepMillis} apart from {@code start} and
     * returns their feature rows and labels.
     */
    public LabeledRows sample(final int rows, final Instant start, final long stepMillis) {
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be positive, got " + rows);
        }
        final double[][] x = new double[rows][];
        final boolean[] y = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            final Transaction t = next(start.plusMillis(i * stepMillis));
            x[i] = features(t);
            y[i] = Boolean.TRUE.equals(t.getIsFraud());
        }
        return new LabeledRows(x, y);
    }

    /** The 30-column feature row of {@code t}, in {@link #FEATURE_FIELDS} order. */
    public static double[] features(final Transaction t) {
        final double[] row = new double[FEATURE_COUNT];
        features(t, row, 0);
        return row;
    }

    /**
     * Writes the 30 feature values of {@code t}, in {@link #FEATURE_FIELDS} order, into
     * {@code out[offset .. offset + 30)}. Allocates nothing.
     */
    public static void features(final Transaction t, final double[] out, final int offset) {
        int i = offset;
        out[i++] = t.getElapsedSeconds();
        out[i++] = t.getV1();
        out[i++] = t.getV2();
        out[i++] = t.getV3();
        out[i++] = t.getV4();
        out[i++] = t.getV5();
        out[i++] = t.getV6();
        out[i++] = t.getV7();
        out[i++] = t.getV8();
        out[i++] = t.getV9();
        out[i++] = t.getV10();
        out[i++] = t.getV11();
        out[i++] = t.getV12();
        out[i++] = t.getV13();
        out[i++] = t.getV14();
        out[i++] = t.getV15();
        out[i++] = t.getV16();
        out[i++] = t.getV17();
        out[i++] = t.getV18();
        out[i++] = t.getV19();
        out[i++] = t.getV20();
        out[i++] = t.getV21();
        out[i++] = t.getV22();
        out[i++] = t.getV23();
        out[i++] = t.getV24();
        out[i++] = t.getV25();
        out[i++] = t.getV26();
        out[i++] = t.getV27();
        out[i++] = t.getV28();
        out[i] = t.getAmount();
    }

    /** Standard normal by the Box-Muller transform, two values per pair of uniforms. */
    private double normal() {
        if (haveSpareNormal) {
            haveSpareNormal = false;
            return spareNormal;
        }
        final double u1 = 1.0 - rnd.nextDouble();
        final double u2 = rnd.nextDouble();
        final double r = Math.sqrt(-2.0 * Math.log(u1));
        spareNormal = r * Math.sin(2.0 * Math.PI * u2);
        haveSpareNormal = true;
        return r * Math.cos(2.0 * Math.PI * u2);
    }

    private static List<String> featureFields() {
        final List<String> names = new ArrayList<>(30);
        names.add("elapsed_seconds");
        for (int i = 1; i <= 28; i++) {
            names.add("v" + i);
        }
        names.add("amount");
        return List.copyOf(names);
    }

    /** A burst under way: its account, the small transactions still to come, the call its next one is due. */
    private static final class Burst {
        private final String account;
        private int smallLeft;
        private long dueCall;

        private Burst(final String account, final int small) {
            this.account = account;
            this.smallLeft = small;
        }
    }

    /** Settings of a {@link SyntheticTransactions}; validated by {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final long seed;
        private int accounts = 1000;
        private double fraudRate = DEFAULT_FRAUD_RATE;
        private double camouflagedFraction = DEFAULT_CAMOUFLAGED_FRACTION;
        private double embeddingFraction;
        private double burstFraudRate;

        private Builder(final long seed) {
            this.seed = seed;
        }

        /** Size of the account pool (default 1000); ids are {@code acct-000000 ..}. */
        public Builder accounts(final int accounts) {
            this.accounts = accounts;
            return this;
        }

        /** Share of fraudulent transactions, in [0, 1] (default {@value #DEFAULT_FRAUD_RATE}). */
        public Builder fraudRate(final double fraudRate) {
            this.fraudRate = fraudRate;
            return this;
        }

        /** Share of fraud rows that show none of the fraud signs, in [0, 1]. */
        public Builder camouflagedFraction(final double camouflagedFraction) {
            this.camouflagedFraction = camouflagedFraction;
            return this;
        }

        /** Share of records that carry an {@code embedding} (default 0: never). */
        public Builder embeddingFraction(final double embeddingFraction) {
            this.embeddingFraction = embeddingFraction;
            return this;
        }

        /**
         * Share of transactions that belong to behavioural fraud bursts (see the class comment), in
         * [0, 0.5]; default 0: no bursts, and the records are exactly those of a generator without the
         * pattern. The bursts come on top of {@link #fraudRate(double)}, which applies to the other
         * transactions.
         */
        public Builder burstFraudRate(final double burstFraudRate) {
            this.burstFraudRate = burstFraudRate;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting that is out of range
         */
        public SyntheticTransactions build() {
            return new SyntheticTransactions(validate());
        }

        private Builder validate() {
            if (accounts <= 0) {
                throw new IllegalArgumentException("accounts must be positive, got " + accounts);
            }
            checkShare("fraudRate", fraudRate);
            checkShare("camouflagedFraction", camouflagedFraction);
            checkShare("embeddingFraction", embeddingFraction);
            if (!(burstFraudRate >= 0.0 && burstFraudRate <= 0.5)) {
                throw new IllegalArgumentException("burstFraudRate must be in [0, 0.5], got " + burstFraudRate);
            }
            return this;
        }

        private static void checkShare(final String name, final double value) {
            if (!(value >= 0.0 && value <= 1.0)) {
                throw new IllegalArgumentException(name + " must be in [0, 1], got " + value);
            }
        }
    }
}
