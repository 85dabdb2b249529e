package io.scorestream.tests.it;

import io.scorestream.testkit.EmbeddedKafka;

/** {@link ExactlyOnceEndToEnd} on the embedded KRaft broker, in this JVM. */
class EndToEndExactlyOnceIT extends ExactlyOnceEndToEnd {

    @Override
    protected Broker startBroker() {
        final EmbeddedKafka kafka = EmbeddedKafka.startDefault();
        // The admin client belongs to the broker, which closes it.
        return new Broker(kafka.bootstrapServers(), kafka.admin(), kafka);
    }
}
