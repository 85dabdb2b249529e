package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secured embedded broker, for real: SCRAM and OAuth clients over {@code SASL_SSL} against one
 * shared secured broker (ACLs enforced), short-lived tokens refreshed under load, and a restart.
 */
class SecuredEmbeddedKafkaIT {

    private static final Logger LOG = LoggerFactory.getLogger(SecuredEmbeddedKafkaIT.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Every password and secret the tests use: none may be logged. */
    private static final List<String> SECRETS = List.of("alice-secret", "mallory-secret", "bob-secret",
            "not-bobs", "carol-secret", "dave-secret", "erin-secret", "frank-secret", "not-franks",
            "grace-secret", "heidi-secret", "trent-secret", "ivan-secret");

    private static EmbeddedKafka kafka;
    private static KafkaSecurity security;
    private static ListAppender<ILoggingEvent> logged;

    @BeforeAll
    static void startSharedBroker() {
        logged = new ListAppender<>();
        logged.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logged);
        final long start = System.nanoTime();
        kafka = EmbeddedKafka.builder().secured().start();
        security = kafka.security();
        LOG.info("Shared secured broker ready at {} in {} ms", kafka.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @AfterAll
    static void closeSharedBrokerAndCheckTheLogs() {
        final List<String> secrets = new ArrayList<>(SECRETS);
        if (kafka != null) {
            secrets.add(security.certificates().password());
            secrets.add(security.adminPassword());
            kafka.close();
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
                .detachAppender(logged);
        for (final ILoggingEvent event : logged.list) {
            final String text = withCauses(event);
            for (final String secret : secrets) {
                assertFalse(text.contains(secret), "a secret was logged: " + event);
            }
        }
    }

    private static String withCauses(final ILoggingEvent event) {
        final StringBuilder text = new StringBuilder(event.getFormattedMessage());
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            text.append(' ').append(t.getMessage());
        }
        return text.toString();
    }

    @Test
    void scramUserWithAclsProducesAndConsumesOverSaslSsl() throws Exception {
        // given
        final String topic = "scram-granted";
        kafka.createTopic(topic, 2, Map.of());
        security.createScramUser("alice", "alice-secret");
        security.grantTopic("alice", topic, AclOperation.WRITE, AclOperation.READ);
        security.grantGroup("alice", "alice-group", AclOperation.READ);

        // when
        final Map<String, Object> client = security.scramClientConfig("alice", "alice-secret");
        produce(client, topic, 0, 500);
        final List<ConsumerRecord<String, String>> records = consume(client, topic, "alice-group", 500);

        // then
        assertEquals("SASL_SSL", client.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG));
        assertEquals(500, records.size());
        assertEquals(500, values(records).size());
    }

    @Test
    void transactionsCommitAndAbortThroughTheAuthenticatedInternalListener() throws Exception {
        // given a user allowed one transactional id (the coordinator writes the commit and abort
        // markers to the partition through the broker's own SASL_SSL/PLAIN listener)
        final String topic = "scram-transactions";
        kafka.createTopic(topic, 2, Map.of());
        security.createScramUser("trent", "trent-secret");
        security.grantTopic("trent", topic, AclOperation.WRITE, AclOperation.READ);
        security.grantGroup("trent", "trent-group", AclOperation.READ);
        security.grant("trent", ResourceType.TRANSACTIONAL_ID, "trent-tx", PatternType.LITERAL,
                AclOperation.WRITE, AclOperation.DESCRIBE);
        final Map<String, Object> client = security.scramClientConfig("trent", "trent-secret");
        final Map<String, Object> transactional = new HashMap<>(client);
        transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "trent-tx");

        // when one transaction commits and one aborts
        try (KafkaProducer<String, String> producer = producer(transactional)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
        }
        final Map<String, Object> readCommitted = new HashMap<>(client);
        readCommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<ConsumerRecord<String, String>> records = consume(readCommitted, topic, "trent-group", 10,
                Duration.ofSeconds(1));

        // then only the committed records are read
        assertEquals(10, records.size());
        assertTrue(values(records).stream().allMatch(v -> v.startsWith("committed-")), values(records).toString());
    }

    @Test
    void scramUserWithoutAclIsDeniedTheTopic() throws Exception {
        // given a user who may log in but has no ACL on the topic
        final String topic = "scram-denied";
        kafka.createTopic(topic, 1, Map.of());
        security.createScramUser("mallory", "mallory-secret");

        // when
        final ExecutionException error;
        try (KafkaProducer<String, String> producer =
                producer(security.scramClientConfig("mallory", "mallory-secret"))) {
            error = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS));
        }

        // then
        final TopicAuthorizationException denied =
                assertInstanceOf(TopicAuthorizationException.class, error.getCause());
        assertEquals(Set.of(topic), denied.unauthorizedTopics());
    }

    @Test
    void wrongPasswordFailsAuthentication() {
        // given
        security.createScramUser("bob", "bob-secret");

        // when
        final ExecutionException error;
        try (Admin admin = Admin.create(withTimeouts(security.scramClientConfig("bob", "not-bobs")))) {
            error = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }

        // then
        assertInstanceOf(SaslAuthenticationException.class, error.getCause());
        assertFalse(error.getCause().getMessage().contains("not-bobs"));
    }

    @Test
    void plaintextClientCannotTalkToTheBroker() {
        // given a client that neither speaks TLS nor authenticates
        final Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");

        // when
        final ExecutionException error;
        try (Admin admin = Admin.create(withTimeouts(config))) {
            error = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }

        // then it never gets an answer
        assertInstanceOf(TimeoutException.class, error.getCause());
    }

    @Test
    void oauthClientProducesAndConsumes() throws Exception {
        // given
        final String topic = "oauth-granted";
        kafka.createTopic(topic, 1, Map.of());
        security.oauthServer().registerClient("carol", "carol-secret", Duration.ofMinutes(5));
        security.grantTopic("carol", topic, AclOperation.WRITE, AclOperation.READ);
        security.grantGroup("carol", "carol-group", AclOperation.READ);

        // when
        final Map<String, Object> client = security.oauthClientConfig("carol", "carol-secret");
        produce(client, topic, 0, 200);
        final List<ConsumerRecord<String, String>> records = consume(client, topic, "carol-group", 200);

        // then
        assertEquals(200, records.size());
        assertTrue(security.oauthServer().tokensIssued("carol") >= 2, "producer and consumer log in");
    }

    @Test
    void shortLivedTokensAreRefreshedAndReauthenticatedWithoutLosingASend() throws Exception {
        // given tokens that live 15 s, and a producer that sends for over three lifetimes
        final String topic = "oauth-refresh";
        final Duration lifetime = Duration.ofSeconds(15);
        kafka.createTopic(topic, 1, Map.of());
        security.oauthServer().registerClient("dave", "dave-secret", lifetime);
        security.grantTopic("dave", topic, AclOperation.WRITE, AclOperation.READ);
        security.grantGroup("dave", "dave-group", AclOperation.READ);

        // when
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        final long end = System.nanoTime() + lifetime.multipliedBy(3).plusSeconds(3).toNanos();
        int sent = 0;
        double reauthentications;
        try (KafkaProducer<String, String> producer =
                producer(security.oauthClientConfig("dave", "dave-secret"))) {
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>(topic, "k" + sent, "v" + sent), (metadata, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                        LOG.error("send failed", e);
                    }
                });
                sent++;
                Thread.sleep(20);
            }
            producer.flush();
            reauthentications = metric(producer.metrics(), "successful-reauthentication-total");
        }
        final List<ConsumerRecord<String, String>> records =
                consume(security.oauthClientConfig("dave", "dave-secret"), topic, "dave-group", sent);

        // then
        LOG.info("Sent {} over {} s; tokens issued {}; producer re-authentications {}", sent,
                lifetime.multipliedBy(3).plusSeconds(3).toSeconds(),
                security.oauthServer().tokensIssued("dave"), reauthentications);
        assertEquals(0, errors.get());
        assertEquals(sent, acked.get());
        assertEquals(sent, values(records).size());
        // One token at start, then one about every half lifetime: well over three in 48 s.
        assertTrue(security.oauthServer().tokensIssued("dave") >= 4,
                "tokens issued: " + security.oauthServer().tokensIssued("dave"));
        // The broker ended the sessions at token expiry; the producer logged in again each time.
        assertTrue(reauthentications >= 2, "re-authentications: " + reauthentications);
    }

    @Test
    void expiredTokenIsRefused() {
        // given a client whose every token expired a minute ago
        security.oauthServer().registerExpiredClient("erin", "erin-secret");

        // when
        final ExecutionException error;
        try (Admin admin = Admin.create(withTimeouts(security.oauthClientConfig("erin", "erin-secret")))) {
            error = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }

        // then the broker refused it, for its expiry
        assertInstanceOf(SaslAuthenticationException.class, error.getCause());
        assertTrue(security.oauthServer().tokensIssued("erin") >= 1);
        assertTrue(logged.list.stream().map(SecuredEmbeddedKafkaIT::withCauses).anyMatch(
                text -> text.contains("\"sub\":\"erin\"") && text.contains("on or after the Expiration Time")),
                "the broker logs why it refused the token");
    }

    @Test
    void rotatedSigningKeyIsFetchedByTheBrokerAfterOneRefusal() throws Exception {
        // given tokens signed with a key the broker has not seen yet
        final String kid = security.oauthServer().rotateKey();
        security.oauthServer().registerClient("ivan", "ivan-secret", Duration.ofMinutes(5));
        final Map<String, Object> client = security.oauthClientConfig("ivan", "ivan-secret");

        // when the first login presents one
        final ExecutionException first;
        try (Admin admin = Admin.create(withTimeouts(client))) {
            first = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }

        // then it is refused (unknown kid), the broker refreshes its JWKS at once, and the next
        // login succeeds
        assertInstanceOf(SaslAuthenticationException.class, first.getCause());
        security.awaitLogin(client, "OAuth client ivan with key " + kid);
    }

    @Test
    void wrongOAuthSecretStopsTheClientFromStarting() {
        // given
        security.oauthServer().registerClient("frank", "frank-secret", Duration.ofMinutes(5));
        final int refusedBefore = security.oauthServer().refusedRequests();

        // when
        final RuntimeException error = assertThrows(RuntimeException.class,
                () -> producer(security.oauthClientConfig("frank", "not-franks")).close());

        // then
        assertEquals(0, security.oauthServer().tokensIssued("frank"));
        assertTrue(security.oauthServer().refusedRequests() > refusedBefore);
        assertFalse(causes(error).contains("not-franks"));
        assertTrue(causes(error).contains("401"), causes(error));
    }

    @Test
    void restartKeepsUsersAndAcls() throws Exception {
        // given a user and its ACLs on the shared broker
        final String topic = "restart";
        kafka.createTopic(topic, 1, Map.of());
        security.createScramUser("grace", "grace-secret");
        security.grantTopic("grace", topic, AclOperation.WRITE, AclOperation.READ);
        security.grantGroup("grace", "grace-group", AclOperation.READ);
        final Map<String, Object> client = security.scramClientConfig("grace", "grace-secret");
        produce(client, topic, 0, 100);
        final Set<AclBinding> aclsBefore = security.acls(AclBindingFilter.ANY);

        // when
        kafka.restart();

        // then the user logs in, its ACLs still allow it, and nothing else is allowed
        produce(client, topic, 100, 200);
        assertEquals(200, values(consume(client, topic, "grace-group", 200)).size());
        assertEquals(aclsBefore, security.acls(AclBindingFilter.ANY));
        final ExecutionException denied;
        try (KafkaProducer<String, String> producer = producer(client)) {
            denied = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>("other", "k", "v")).get(30, TimeUnit.SECONDS));
        }
        assertInstanceOf(TopicAuthorizationException.class, denied.getCause());
    }

    @Test
    void newInstanceOverAKeptDataDirKeepsUsersAndAclsWithItsOwnAdminPassword(@TempDir final Path dataDir)
            throws Exception {
        // given a user and its ACLs written by one secured instance
        final String topic = "kept";
        try (EmbeddedKafka first = EmbeddedKafka.builder().secured().dataDir(dataDir).start()) {
            first.createTopic(topic, 1, Map.of());
            first.security().createScramUser("heidi", "heidi-secret");
            first.security().grantTopic("heidi", topic, AclOperation.WRITE, AclOperation.READ);
            first.security().grantGroup("heidi", "heidi-group", AclOperation.READ);
            produce(first.security().scramClientConfig("heidi", "heidi-secret"), topic, 0, 50);
        }

        // when another instance (new certificates, new admin password) starts over the same data
        try (EmbeddedKafka second = EmbeddedKafka.builder().secured().dataDir(dataDir).start()) {
            final Map<String, Object> client = second.security().scramClientConfig("heidi", "heidi-secret");

            // then its admin works and the user keeps its rights
            assertEquals(3, second.security().acls(AclBindingFilter.ANY).size());
            produce(client, topic, 50, 100);
            assertEquals(100, values(consume(client, topic, "heidi-group", 100)).size());
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static Map<String, Object> withTimeouts(final Map<String, Object> config) {
        final Map<String, Object> copy = new HashMap<>(config);
        copy.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        copy.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        return copy;
    }

    private static KafkaProducer<String, String> producer(final Map<String, Object> client) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(config);
    }

    private static void produce(final Map<String, Object> client, final String topic, final int from,
            final int to) throws Exception {
        try (KafkaProducer<String, String> producer = producer(client)) {
            final List<Future<?>> sends = new ArrayList<>();
            for (int i = from; i < to; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
            }
            for (final Future<?> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<ConsumerRecord<String, String>> consume(final Map<String, Object> client,
            final String topic, final String group, final int expected) {
        return consume(client, topic, group, expected, Duration.ZERO);
    }

    /**
     * Reads through a group from the beginning until {@code expected} records or the wait is over,
     * then polls for {@code settle} more so that extra records would be noticed.
     */
    private static List<ConsumerRecord<String, String>> consume(final Map<String, Object> client,
            final String topic, final String group, final int expected, final Duration settle) {
        final Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        final List<ConsumerRecord<String, String>> records = new ArrayList<>();
        final long deadline = System.nanoTime() + WAIT.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            final long settled = System.nanoTime() + settle.toNanos();
            while (System.nanoTime() < settled) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.commitSync();
        }
        return records;
    }

    private static Set<String> values(final List<ConsumerRecord<String, String>> records) {
        final Set<String> values = new HashSet<>();
        records.forEach(r -> values.add(r.value()));
        return values;
    }

    private static double metric(final Map<MetricName, ? extends Metric> metrics, final String name) {
        double total = 0;
        for (final Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            if (entry.getKey().name().equals(name)
                    && entry.getValue().metricValue() instanceof Number) {
                total += ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return total;
    }

    private static String causes(final Throwable error) {
        final StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" / ");
        }
        return text.toString();
    }
}
