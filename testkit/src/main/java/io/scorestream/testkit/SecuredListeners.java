package io.scorestream.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The listener and security configuration of the secured embedded broker: three listeners on
 * {@code 127.0.0.1}, all {@code SASL_SSL} with the {@link TestCertificates} server certificate.
 * <ul>
 *   <li>{@value #CLIENT} (advertised, for clients): {@code SCRAM-SHA-512} (credentials in the
 *       cluster metadata, made through the Admin API) and {@code OAUTHBEARER} (JWTs validated
 *       against the OAuth server's JWKS by Kafka's {@code OAuthBearerValidatorCallbackHandler}),
 *       re-authenticating every {@code reauth} at most and at each token's expiry;</li>
 *   <li>{@value #INTERNAL} (inter-broker: the transaction coordinator writes its markers to itself
 *       through it) and {@value BrokerSettings#CONTROLLER_LISTENER} (the broker registers and
 *       heartbeats with the controller through it): {@code PLAIN} with a static JAAS user
 *       {@value #BROKER_USER} whose password is random per {@link EmbeddedKafka} instance and known
 *       to nobody else.</li>
 * </ul>
 * PLAIN, not SCRAM bootstrapped by the formatter, on the internal listeners: a static password
 * needs no record written at format time, so a data directory formatted by another instance (with
 * another password) still starts, and the broker's own connections never depend on credentials
 * replayed from the metadata log.
 *
 * <p>Authorisation: {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false};
 * super users are {@code User:}{@value #ADMIN_USER} (the kit's own Admin client, SCRAM on
 * {@value #CLIENT}) and {@code User:}{@value #BROKER_USER}. Immutable; holds secrets and therefore
 * has no {@code toString()} that shows them.
 */
final class SecuredListeners {

    static final String CLIENT = "CLIENT";
    static final String INTERNAL = "INTERNAL";
    static final String ADMIN_USER = "admin";
    static final String BROKER_USER = "broker";
    static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    static final String OAUTH_MECHANISM = "OAUTHBEARER";
    static final String INTERNAL_MECHANISM = "PLAIN";
    static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private static final String CLIENT_PREFIX = "listener.name.client.";
    private static final String INTERNAL_PREFIX = "listener.name.internal.";
    private static final String CONTROLLER_PREFIX = "listener.name.controller.";

    /**
     * Keys of the secured layer that callers may not override: the listeners, the internal
     * credentials, TLS and the mechanisms. (The authorizer, re-authentication and OAuth validation
     * settings are defaults that {@code brokerProperty} may change.)
     */
    static final Set<String> MANAGED_KEYS = Set.copyOf(managed(new SecuredListeners(Path.of("t"),
            Path.of("k"), "x", "x", "http://x/jwks", "http://x", "a", Duration.ofSeconds(1)), 1, 2, 3)
            .keySet());

    private final Path truststore;
    private final Path keystore;
    private final String storePassword;
    private final String brokerPassword;
    private final String jwksUrl;
    private final String issuer;
    private final String audience;
    private final Duration reauth;

    SecuredListeners(final Path truststore, final Path keystore, final String storePassword,
            final String brokerPassword, final String jwksUrl, final String issuer, final String audience,
            final Duration reauth) {
        this.truststore = truststore;
        this.keystore = keystore;
        this.storePassword = storePassword;
        this.brokerPassword = brokerPassword;
        this.jwksUrl = jwksUrl;
        this.issuer = issuer;
        this.audience = audience;
        this.reauth = reauth;
    }

    /** The broker user's password, for the kit's internal admin client. A secret. */
    String brokerPassword() {
        return brokerPassword;
    }

    /** Settings of the secured broker that callers may change with {@code brokerProperty}. */
    Map<String, String> defaults() {
        final Map<String, String> props = new LinkedHashMap<>();
        props.put("authorizer.class.name", AUTHORIZER);
        props.put("allow.everyone.if.no.acl.found", "false");
        // Without a positive connections.max.reauth.ms a broker never looks at a token's expiry
        // again once a connection is authenticated. With it, the session ends at the earlier of
        // this period and the token's exp, and the client must re-authenticate with a fresh token.
        final String reauthMs = Long.toString(reauth.toMillis());
        props.put(CLIENT_PREFIX + "oauthbearer.connections.max.reauth.ms", reauthMs);
        props.put(CLIENT_PREFIX + "scram-sha-512.connections.max.reauth.ms", reauthMs);
        props.put("sasl.oauthbearer.jwks.endpoint.url", jwksUrl);
        props.put("sasl.oauthbearer.expected.issuer", issuer);
        props.put("sasl.oauthbearer.expected.audience", audience);
        // Kafka allows 30 s of clock skew by default: a 20 s token would live 50 s. Broker and
        // OAuth server share one clock here.
        props.put("sasl.oauthbearer.clock.skew.seconds", "0");
        return props;
    }

    /** Settings only the kit sets, for the given ports. */
    Map<String, String> managed(final int clientPort, final int internalPort, final int controllerPort) {
        return managed(this, clientPort, internalPort, controllerPort);
    }

    private static Map<String, String> managed(final SecuredListeners s, final int clientPort,
            final int internalPort, final int controllerPort) {
        final String host = BrokerSettings.HOST;
        final String controller = BrokerSettings.CONTROLLER_LISTENER;
        final Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", String.format(Locale.ROOT, "%s://%s:%d,%s://%s:%d,%s://%s:%d",
                CLIENT, host, clientPort, INTERNAL, host, internalPort, controller, host, controllerPort));
        props.put("advertised.listeners", String.format(Locale.ROOT, "%s://%s:%d,%s://%s:%d",
                CLIENT, host, clientPort, INTERNAL, host, internalPort));
        props.put("listener.security.protocol.map", String.format(Locale.ROOT,
                "%s:SASL_SSL,%s:SASL_SSL,%s:SASL_SSL", CLIENT, INTERNAL, controller));
        props.put("inter.broker.listener.name", INTERNAL);
        props.put("controller.listener.names", controller);
        props.put("super.users", "User:" + ADMIN_USER + ";User:" + BROKER_USER);

        props.put("ssl.keystore.type", TestCertificates.STORE_TYPE);
        props.put("ssl.keystore.location", s.keystore.toAbsolutePath().toString());
        props.put("ssl.keystore.password", s.storePassword);
        props.put("ssl.key.password", s.storePassword);
        props.put("ssl.truststore.type", TestCertificates.STORE_TYPE);
        props.put("ssl.truststore.location", s.truststore.toAbsolutePath().toString());
        props.put("ssl.truststore.password", s.storePassword);

        props.put(CLIENT_PREFIX + "sasl.enabled.mechanisms", SCRAM_MECHANISM + "," + OAUTH_MECHANISM);
        props.put(CLIENT_PREFIX + "scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put(CLIENT_PREFIX + "oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        props.put(CLIENT_PREFIX + "oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");

        // One static user on both internal listeners: the JAAS entry is the broker's server side
        // (user_broker) and its client side (username/password) at once.
        final String plainJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"" + BROKER_USER + "\" password=\"" + s.brokerPassword + "\""
                + " user_" + BROKER_USER + "=\"" + s.brokerPassword + "\";";
        props.put("sasl.mechanism.inter.broker.protocol", INTERNAL_MECHANISM);
        props.put("sasl.mechanism.controller.protocol", INTERNAL_MECHANISM);
        props.put(INTERNAL_PREFIX + "sasl.enabled.mechanisms", INTERNAL_MECHANISM);
        props.put(INTERNAL_PREFIX + "plain.sasl.jaas.config", plainJaas);
        props.put(CONTROLLER_PREFIX + "sasl.enabled.mechanisms", INTERNAL_MECHANISM);
        props.put(CONTROLLER_PREFIX + "plain.sasl.jaas.config", plainJaas);
        return props;
    }
}
