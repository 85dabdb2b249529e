package io.scorestream.app.cli;

import io.scorestream.app.command.CommandLines;
import io.scorestream.app.command.SchemaRegistryOptions;
import io.scorestream.app.command.ScorestreamVersion;
import io.scorestream.app.demo.SyntheticTransactionFeed;
import io.scorestream.schemas.registry.SchemaRegistry;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scorestream produce}: synthetic Avro transactions at a steady rate, keyed by account, for
 * a number of events or without end. Prints its progress every ten seconds' worth of events.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, versionProvider = ScorestreamVersion.class,
        sortOptions = false, sortSynopsis = false, showDefaultValues = true,
        description = {"Produces synthetic transactions (Avro, keyed by account) at a steady rate.", ""})
final class ProduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--schema-registry", required = true, paramLabel = "URL",
            description = "Confluent-compatible schema registry.")
    String schemaRegistry;

    @Mixin
    SchemaRegistryOptions registryOptions = new SchemaRegistryOptions();

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic written.")
    String topic = "transactions";

    @Option(names = "--events", paramLabel = "N", description = "Transactions to produce; 0 = without end.")
    long events = 0;

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Transactions per second.")
    long rate = 1000;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the generator.")
    long seed = 42;

    @Override
    public Integer call() throws InterruptedException {
        final String servers = CommandLines.requireNonBlank(spec, "--bootstrap", bootstrap);
        final String registryUrl = CommandLines.requireNonBlank(spec, "--schema-registry", schemaRegistry);
        CommandLines.requireAtLeast(spec, "--events", events, 0);
        CommandLines.requireAtLeast(spec, "--rate", rate, 1);
        final PrintStream out = CommandLines.out(spec);
        final SchemaRegistry schemas = registryOptions.client(spec, "--schema-registry", registryUrl);
        try (KafkaProducer<String, Object> producer = SyntheticTransactionFeed.producer(servers, schemas, Map.of())) {
            final SyntheticTransactionFeed feed = SyntheticTransactionFeed.builder(producer, topic)
                    .seed(seed).count(events).rate(rate).build();
            while (feed.hasNext()) {
                final long i = feed.sendNext().seq();
                if (i > 0 && i % (rate * 10) == 0) {
                    out.printf(Locale.ROOT, "produced %,d transactions to '%s'%n", i, topic);
                }
            }
        }
        out.printf(Locale.ROOT, "produced %,d transactions to '%s'%n", events, topic);
        return CommandLines.OK;
    }
}
