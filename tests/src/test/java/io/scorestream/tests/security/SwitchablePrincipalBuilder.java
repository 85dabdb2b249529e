package io.scorestream.tests.security;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.KafkaPrincipalSerde;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;

/**
 * A broker plugin ({@code principal.builder.class}) for an authorizer test on the plaintext test
 * broker, whose connections carry no identity: a connection to the client listener authenticates
 * as the user named by {@link #clientsAre} when it is opened, and keeps that principal until it
 * closes; one to the controller listener is {@code User:ANONYMOUS} (the broker itself, a super
 * user). So a test can set up topics and data as a super user, switch, start the application
 * (every connection it opens then is the application's principal), and switch back to check the
 * results. The broker creates instances by reflection in this JVM; the switch is shared.
 * Thread-safe.
 */
public final class SwitchablePrincipalBuilder implements KafkaPrincipalBuilder, KafkaPrincipalSerde {

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final AtomicReference<String> CLIENTS = new AtomicReference<>("admin");

    private final DefaultKafkaPrincipalBuilder serde = new DefaultKafkaPrincipalBuilder(null, null);

    /** The user that connections opened from now on to the client listener authenticate as. */
    static void clientsAre(final String user) {
        CLIENTS.set(Objects.requireNonNull(user, "user"));
    }

    @Override
    public KafkaPrincipal build(final AuthenticationContext context) {
        if (CONTROLLER_LISTENER.equals(context.listenerName())) {
            return KafkaPrincipal.ANONYMOUS;
        }
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, CLIENTS.get());
    }

    @Override
    public byte[] serialize(final KafkaPrincipal principal) throws SerializationException {
        return serde.serialize(principal);
    }

    @Override
    public KafkaPrincipal deserialize(final byte[] bytes) throws SerializationException {
        return serde.deserialize(bytes);
    }
}
