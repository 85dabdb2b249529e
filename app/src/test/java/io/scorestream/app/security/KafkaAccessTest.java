package io.scorestream.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class KafkaAccessTest {

    private static final String SECRET = "s3cr3t-Pa55";

    private static final Map<String, Object> SCRAM = Map.of(
            "bootstrap.servers", "broker:9093",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"scorer\" password=\"" + SECRET + "\";",
            "ssl.truststore.password", SECRET);

    @Test
    void aScramClientIsNamedByItsUserAndNeverByItsPassword() {
        assertEquals("User:scorer (SASL_SSL, SCRAM-SHA-512)", KafkaAccess.principal(SCRAM));
    }

    @Test
    void anOauthClientIsNamedByItsClientId() {
        assertEquals("OAuth client 'scorer-app' (SASL_SSL, OAUTHBEARER)", KafkaAccess.principal(Map.of(
                "security.protocol", "sasl_ssl", "sasl.mechanism", "OAUTHBEARER",
                "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                        + "clientId=\"scorer-app\" clientSecret=\"" + SECRET + "\";")));
        assertEquals("OAuth client 'svc' (SASL_SSL, OAUTHBEARER)", KafkaAccess.principal(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER",
                "sasl.oauthbearer.client.credentials.client.id", "svc")));
    }

    @Test
    void withoutSaslTheProtocolSaysWhoItIs() {
        assertEquals("the anonymous client (PLAINTEXT)", KafkaAccess.principal(Map.of()));
        assertEquals("the TLS client certificate's principal (SSL)",
                KafkaAccess.principal(Map.of("security.protocol", "SSL")));
        assertEquals("the SASL user (SASL_PLAINTEXT, GSSAPI)",
                KafkaAccess.principal(Map.of("security.protocol", "SASL_PLAINTEXT")));
    }

    @Test
    void aTopicRefusalNamesThePrincipalTheTopicsAndWhatWasBeingDone() {
        final var wrapped = new StreamsException(new KafkaException("send failed",
                new TopicAuthorizationException(Set.of("scorestream-models"))));
        final String message = KafkaAccess.explain(wrapped, SCRAM, "reading model versions").orElseThrow();
        assertTrue(message.contains("User:scorer"), message);
        assertTrue(message.contains("'scorestream-models'"), message);
        assertTrue(message.contains("reading model versions"), message);
        assertTrue(message.contains("broker:9093"), message);
        assertFalse(message.contains(SECRET), message);
    }

    @Test
    void groupTransactionalIdAndAuthenticationRefusalsAreEachExplained() {
        assertTrue(KafkaAccess.explain(new GroupAuthorizationException("no", "fraud-scorer"), SCRAM, "joining")
                .orElseThrow().contains("consumer group 'fraud-scorer'"));
        assertTrue(KafkaAccess.explain(new TransactionalIdAuthorizationException("no"), SCRAM, "committing")
                .orElseThrow().contains("TransactionalId"));
        final String auth = KafkaAccess.explain(new SaslAuthenticationException(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                        + "SCRAM-SHA-512"), SCRAM, "starting").orElseThrow();
        assertTrue(auth.startsWith("Kafka at broker:9093 refused to authenticate User:scorer"), auth);
        assertTrue(KafkaAccess.explain(new SslAuthenticationException("handshake", new java.security.cert
                .CertificateException("PKIX path building failed")), SCRAM, "starting").orElseThrow()
                .contains("PKIX path building failed"));
    }

    @Test
    void otherFailuresAreNotRefusals() {
        assertTrue(KafkaAccess.explain(new TimeoutException("slow"), SCRAM, "starting").isEmpty());
        assertFalse(KafkaAccess.isRefusal(new StreamsException(new TimeoutException("slow"))));
        assertTrue(KafkaAccess.isRefusal(new StreamsException(new TopicAuthorizationException(Set.of("t")))));
    }
}
