package io.scorestream.app.demo;

import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes {@link SyntheticTransactions} to one topic: a given number (or until stopped), paced to a
 * rate (or as fast as the producer takes them), each stamped by an {@link EventTimes} policy and
 * keyed by its account unless a {@link Records} hook shapes the record otherwise. The demo, the
 * {@code produce} command and the integration tests all produce their transactions through it.
 *
 * <p><b>Use.</b> Build one per stream, then either {@link #run()} it, or step it with
 * {@link #hasNext()} and {@link #sendNext()} where the caller does something between records. Each
 * send is counted as acknowledged or failed when the broker answers; {@link #checkDelivered()}
 * tells whether all were acknowledged.
 *
 * <p><b>Threading.</b> Sending ({@code run}, {@code sendNext}) is for one thread at a time; the
 * counters, {@link #firstError()} and {@link #stop()} may be called from any thread.
 *
 * <p><b>Ownership.</b> Does not own the producer: the caller flushes (as {@link #run()} does) and
 * closes it.
 */
public final class SyntheticTransactionFeed {

    /** The accounts of the generator {@link Builder#seed(long)} makes. */
    public static final int DEFAULT_ACCOUNTS = 2_000;
    /** The prefix of the ids {@link Builder#sequentialIds()} gives: {@code tx-0}, {@code tx-1}, ... */
    public static final String ID_PREFIX = "tx-";

    private final Producer<String, Object> producer;
    private final String topic;
    private final SyntheticTransactions generator;
    private final long count;
    private final long ratePerSecond;
    private final EventTimes eventTimes;
    private final boolean sequentialIds;
    private final Records records;
    private final Consumer<Sent> onSent;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstError = new AtomicReference<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private long startNanos;
    private long startMillis;

    private SyntheticTransactionFeed(Builder b) {
        this.producer = b.producer;
        this.topic = b.topic;
        this.generator = b.generator;
        this.count = b.count;
        this.ratePerSecond = b.ratePerSecond;
        this.eventTimes = b.eventTimes;
        this.sequentialIds = b.sequentialIds;
        this.records = b.records;
        this.onSent = b.onSent;
    }

    /** A builder of a feed writing through {@code producer} to {@code topic}. */
    public static Builder builder(Producer<String, Object> producer, String topic) {
        return new Builder(producer, topic);
    }

    /**
     * An idempotent, {@code acks=all}, {@code linger.ms=5} producer with String keys whose values
     * may be {@link Transaction}s and {@link ModelSpec}s (Confluent wire format, schemas registered
     * in {@code schemas}), or raw bytes and null, which go out as they are (poison records,
     * tombstones). {@code overrides} ({@link ProducerConfig} keys) go over these settings. The
     * caller owns (closes) it.
     */
    public static KafkaProducer<String, Object> producer(String bootstrapServers, SchemaRegistry schemas,
                                                         Map<String, Object> overrides) {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.putAll(overrides);
        return new KafkaProducer<>(p, new StringSerializer(), valueSerializer(schemas));
    }

    /**
     * Serializes a {@link Transaction} or a {@link ModelSpec} in Confluent wire format (registering
     * its schema under the topic's subject), and passes raw bytes and null through unchanged.
     */
    public static Serializer<Object> valueSerializer(SchemaRegistry schemas) {
        final ConfluentAvroSerializer<Transaction> tx = ConfluentAvroSerializer.specific(schemas, Transaction.class,
                false);
        final ConfluentAvroSerializer<ModelSpec> spec = ConfluentAvroSerializer.specific(schemas, ModelSpec.class,
                false);
        return (topic, value) -> {
            if (value == null || value instanceof byte[]) {
                return (byte[]) value;
            }
            if (value instanceof Transaction t) {
                return tx.serialize(topic, t);
            }
            if (value instanceof ModelSpec s) {
                return spec.serialize(topic, s);
            }
            throw new IllegalArgumentException("cannot serialize a " + value.getClass().getName() + " for topic '"
                    + topic + "'");
        };
    }

    /** The id {@link Builder#sequentialIds()} gives record {@code seq}: {@code tx-<seq>}. */
    public static String eventId(long seq) {
        return ID_PREFIX + seq;
    }

    /** The sequence number of an id made by {@link #eventId}, or -1 for null or any other id. */
    public static int seqOf(String eventId) {
        if (eventId == null || !eventId.startsWith(ID_PREFIX)) {
            return -1;
        }
        try {
            return Integer.parseInt(eventId.substring(ID_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@link #sendNext()} would send another record: not stopped, and the count not reached. */
    public boolean hasNext() {
        return !stopped.get() && (count == 0 || sent.get() < count);
    }

    /**
     * Waits until the next record is due, makes it and hands it to the producer (which sends it
     * asynchronously), then tells the {@link Builder#onSent} listener.
     *
     * @throws IllegalStateException if there is no next record ({@link #hasNext()} is false)
     * @throws InterruptedException if interrupted while waiting for the record to be due
     */
    public Sent sendNext() throws InterruptedException {
        if (!hasNext()) {
            throw new IllegalStateException("the feed to '" + topic + "' is " + (stopped.get() ? "stopped" : "done"));
        }
        final long seq = sent.get();
        if (seq == 0) {
            startNanos = System.nanoTime();
            startMillis = System.currentTimeMillis();
        }
        if (ratePerSecond > 0) {
            final long wait = startNanos + (long) (seq * 1e9 / ratePerSecond) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        final long timestamp = eventTimes.timestamp(seq, startMillis);
        final Transaction t = generator.next(Instant.ofEpochMilli(timestamp));
        if (sequentialIds) {
            t.setTransactionId(eventId(seq));
        }
        final ProducerRecord<String, Object> record = records.record(topic, seq, timestamp, t);
        producer.send(record, (metadata, e) -> {
            if (e == null) {
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
                firstError.compareAndSet(null, e);
            }
        });
        sent.set(seq + 1);
        final Sent s = new Sent(seq, timestamp, t, record);
        onSent.accept(s);
        return s;
    }

    /**
     * Sends every record ({@link #sendNext()} while {@link #hasNext()}), then flushes the producer.
     *
     * @return how many records were sent
     */
    public long run() throws InterruptedException {
        while (hasNext()) {
            sendNext();
        }
        producer.flush();
        return sent.get();
    }

    /** Sends no further record; one being sent now still goes out. Idempotent. */
    public void stop() {
        stopped.set(true);
    }

    /** Records handed to the producer so far. */
    public long sent() {
        return sent.get();
    }

    /** Records the broker acknowledged so far. */
    public long acked() {
        return acked.get();
    }

    /** Records whose send failed so far. */
    public long failed() {
        return failed.get();
    }

    /** The first send failure, if any. */
    public Optional<Exception> firstError() {
        return Optional.ofNullable(firstError.get());
    }

    /**
     * Fails unless every record sent so far was acknowledged: call it after flushing the producer.
     *
     * @throws IllegalStateException naming the counts, caused by the first send failure if any
     */
    public void checkDelivered() {
        if (failed.get() > 0 || acked.get() != sent.get()) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%,d of %,d transactions to '%s' acknowledged, %,d failed", acked.get(), sent.get(), topic,
                    failed.get()), firstError.get());
        }
    }

    /**
     * One record handed to the producer.
     *
     * @param seq its number in this feed, from 0
     * @param timestamp its record timestamp and event time, epoch ms
     * @param transaction the transaction it was made from (its value, unless a {@link Records} hook replaced it)
     * @param record what was sent
     */
    public record Sent(long seq, long timestamp, Transaction transaction, ProducerRecord<String, Object> record) {
    }

    /** When record {@code seq} happened: its event time and record timestamp. */
    @FunctionalInterface
    public interface EventTimes {

        /**
         * @param seq the record's number in the feed, from 0
         * @param startMillis the wall-clock time (epoch ms) the feed sent its first record at
         * @return the record's event time, epoch ms
         */
        long timestamp(long seq, long startMillis);

        /** The wall clock when the record is made. */
        static EventTimes wallClock() {
            return (seq, startMillis) -> System.currentTimeMillis();
        }

        /** {@code firstMillis + seq * stepMillis}: a history laid out in advance, the same on every run. */
        static EventTimes steps(long firstMillis, long stepMillis) {
            return (seq, startMillis) -> firstMillis + seq * stepMillis;
        }

        /**
         * {@code startMillis - count + seq}: {@code count} records 1 ms apart, the last 1 ms before
         * the feed started. Distinct and increasing (so a record can be told by its timestamp),
         * and never in the future, as a 1 ms step from now would be at 1 000+ records/s.
         */
        static EventTimes endingAtStart(long count) {
            return (seq, startMillis) -> startMillis - count + seq;
        }
    }

    /** Makes the record that carries transaction {@code t}. */
    @FunctionalInterface
    public interface Records {

        ProducerRecord<String, Object> record(String topic, long seq, long timestamp, Transaction t);

        /** The transaction as the value, its account id as the key, the event time as the timestamp. */
        static Records byAccount() {
            return (topic, seq, timestamp, t) -> new ProducerRecord<>(topic, null, timestamp, t.getAccountId(), t);
        }
    }

    /** Settings of a {@link SyntheticTransactionFeed}; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {

        private final Producer<String, Object> producer;
        private final String topic;
        private SyntheticTransactions generator;
        private long count;
        private long ratePerSecond;
        private EventTimes eventTimes = EventTimes.wallClock();
        private boolean sequentialIds;
        private Records records = Records.byAccount();
        private Consumer<Sent> onSent = s -> { };

        private Builder(Producer<String, Object> producer, String topic) {
            this.producer = producer;
            this.topic = topic;
        }

        /** The transactions' source. Required, unless {@link #seed} is given. */
        public Builder generator(SyntheticTransactions g) {
            this.generator = g;
            return this;
        }

        /** Transactions of a generator of {@code seed} over {@value SyntheticTransactionFeed#DEFAULT_ACCOUNTS} accounts. */
        public Builder seed(long seed) {
            return generator(new SyntheticTransactions(seed, DEFAULT_ACCOUNTS));
        }

        /** How many records; 0 (the default) = until {@link SyntheticTransactionFeed#stop()}. */
        public Builder count(long n) {
            this.count = n;
            return this;
        }

        /** Records per second; 0 (the default) = as fast as the producer takes them. */
        public Builder rate(long perSecond) {
            this.ratePerSecond = perSecond;
            return this;
        }

        /** The event times; default {@link EventTimes#wallClock()}. */
        public Builder eventTimes(EventTimes policy) {
            this.eventTimes = policy;
            return this;
        }

        /** Gives record {@code n} the transaction id {@code tx-<n>} ({@link #eventId}) instead of the generator's. */
        public Builder sequentialIds() {
            this.sequentialIds = true;
            return this;
        }

        /** Shapes each record (key, partition, value, headers); default {@link Records#byAccount()}. */
        public Builder records(Records hook) {
            this.records = hook;
            return this;
        }

        /** Told of each record right after it is handed to the producer, on the sending thread. */
        public Builder onSent(Consumer<Sent> listener) {
            this.onSent = listener;
            return this;
        }

        /**
         * @throws NullPointerException if the producer, the topic, the generator or a hook is missing
         * @throws IllegalArgumentException if the topic is blank or the count or the rate negative
         */
        public SyntheticTransactionFeed build() {
            Objects.requireNonNull(producer, "producer");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(generator, "generator (or seed)");
            Objects.requireNonNull(eventTimes, "eventTimes");
            Objects.requireNonNull(records, "records");
            Objects.requireNonNull(onSent, "onSent");
            if (topic.isBlank()) {
                throw new IllegalArgumentException("topic is blank");
            }
            if (count < 0) {
                throw new IllegalArgumentException("count must be at least 0, got " + count);
            }
            if (ratePerSecond < 0) {
                throw new IllegalArgumentException("rate must be at least 0, got " + ratePerSecond);
            }
            return new SyntheticTransactionFeed(this);
        }
    }
}
