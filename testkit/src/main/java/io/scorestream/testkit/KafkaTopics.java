package io.scorestream.testkit;

import static io.scorestream.testkit.AdminWaits.asRuntime;
import static io.scorestream.testkit.AdminWaits.attemptTimeoutMs;
import static io.scorestream.testkit.AdminWaits.await;
import static io.scorestream.testkit.AdminWaits.remainingMs;
import static io.scorestream.testkit.AdminWaits.sleepUntilNextAttempt;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics on a single-node cluster so that they can take records at once: any broker an
 * {@link Admin} client reaches, the {@link EmbeddedKafka} as well as a broker in a container.
 * Stateless and thread-safe; never closes the admin client it is given.
 */
public final class KafkaTopics {

    /** Topic configuration of a compacted topic ({@code cleanup.policy=compact}). */
    public static final Map<String, String> COMPACTED =
            Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private KafkaTopics() {
    }

    /**
     * Creates a topic with replication factor 1 and blocks until it can take records: every
     * partition has a leader and answers a list-offsets request. (Producing right after
     * {@code createTopics} returns can otherwise fail with {@code NOT_LEADER_OR_FOLLOWER} and then
     * {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, losing records.)
     *
     * <p>If the topic exists already with the same number of partitions, it is left unchanged
     * (its configuration is not compared) and this method only waits for it to be ready.
     *
     * @param admin a client of the cluster; not closed
     * @param name the topic name
     * @param partitions the number of partitions, at least 1
     * @param config topic configuration ({@link TopicConfig} keys), possibly empty
     * @param timeout how long creating and waiting may take in all
     * @throws IllegalStateException if the topic exists with another number of partitions
     * @throws TimeoutException if the topic is not ready within the timeout
     * @throws KafkaException if the broker rejects the topic
     */
    public static void create(final Admin admin, final String name, final int partitions,
            final Map<String, String> config, final Duration timeout) {
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(timeout, "timeout");
        if (name.isBlank()) {
            throw new IllegalArgumentException("Topic name is blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("Topic " + name + " needs at least 1 partition, got "
                    + partitions);
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        final NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(config);
        try {
            await(admin.createTopics(List.of(topic),
                    new CreateTopicsOptions().timeoutMs(remainingMs(deadline))).all());
        } catch (ExecutionException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) {
                throw new TimeoutException("Topic " + name + " was not created within " + timeout, cause);
            }
            if (!(cause instanceof TopicExistsException)) {
                throw new KafkaException("Cannot create topic " + name + ": " + cause.getMessage(), cause);
            }
            LOG.debug("Topic {} exists already", name);
        }
        awaitReady(admin, name, partitions, deadline, timeout);
    }

    private static void awaitReady(final Admin admin, final String name, final int partitions,
            final long deadline, final Duration timeout) {
        RuntimeException last = null;
        while (true) {
            try {
                final TopicDescription description = await(admin.describeTopics(List.of(name),
                        new DescribeTopicsOptions().timeoutMs(attemptTimeoutMs(deadline)))
                        .topicNameValues().get(name));
                final List<TopicPartitionInfo> infos = description.partitions();
                if (infos.size() != partitions) {
                    throw new IllegalStateException(String.format(Locale.ROOT,
                            "Topic %s exists with %d partitions, not %d", name, infos.size(), partitions));
                }
                if (infos.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (final TopicPartitionInfo info : infos) {
                        latest.put(new TopicPartition(name, info.partition()), OffsetSpec.latest());
                    }
                    await(admin.listOffsets(latest,
                            new ListOffsetsOptions().timeoutMs(attemptTimeoutMs(deadline))).all());
                    return;
                }
            } catch (ExecutionException e) {
                last = asRuntime(e.getCause());
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new KafkaException("Topic " + name + " is not usable: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
            sleepUntilNextAttempt(deadline, "Topic " + name + " was not ready within " + timeout, last);
        }
    }
}
