package io.scorestream.tests.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link ExactlyOnceEndToEnd} on {@value #IMAGE} in a container (Testcontainers), the broker
 * {@code docker-compose.yml} deploys. Needs a running Docker engine; where there is none the test is
 * skipped (reported as skipped, with the reason) within seconds, and {@link EndToEndExactlyOnceIT}
 * still runs the same test on the embedded broker. Testcontainers' {@link KafkaContainer} sets the
 * internal topics up for one node (replication factor 1, transaction state log min ISR 1).
 */
class EndToEndExactlyOnceContainerIT extends ExactlyOnceEndToEnd {

    /** The official JVM image of Apache Kafka, as {@code docker-compose.yml} pins it. */
    static final String IMAGE = "apache/kafka:4.1.0";

    @BeforeEach
    void requireDockerEngine() {
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(), () -> "no Docker engine: Testcontainers "
                + "reached no running Docker daemon (DOCKER_HOST, the Docker socket), so " + IMAGE + " cannot run "
                + "here; EndToEndExactlyOnceIT runs the same test on the embedded broker");
    }

    @Override
    protected Broker startBroker() {
        final KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(IMAGE));
        try {
            kafka.start();
            final Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.getBootstrapServers()));
            return new Broker(kafka.getBootstrapServers(), admin, () -> {
                try {
                    admin.close(Duration.ofSeconds(5));
                } finally {
                    kafka.stop();
                }
            });
        } catch (RuntimeException e) {
            kafka.stop();
            throw e;
        }
    }
}
