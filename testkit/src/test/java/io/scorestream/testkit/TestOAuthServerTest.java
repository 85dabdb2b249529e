package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test OAuth server over real HTTP on loopback; no Kafka here. */
class TestOAuthServerTest {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestOAuthServer oauth;

    @BeforeEach
    void start() {
        oauth = TestOAuthServer.start("test-audience");
    }

    @AfterEach
    void stop() {
        oauth.close();
    }

    @Test
    void issuesRs256TokenThatVerifiesAgainstTheJwks() throws Exception {
        // given
        oauth.registerClient("scorer", "s3cret", Duration.ofSeconds(20));
        final long before = Instant.now().getEpochSecond();

        // when
        final HttpResponse<String> response = tokenRequest(basic("scorer", "s3cret"),
                "grant_type=client_credentials");
        final String token = json.readTree(response.body()).get("access_token").asText();
        final String[] parts = token.split("\\.");
        final JsonNode header = json.readTree(Base64.getUrlDecoder().decode(parts[0]));
        final JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(parts[1]));

        // then
        assertEquals(200, response.statusCode());
        assertEquals("RS256", header.get("alg").asText());
        assertEquals(oauth.signingKeyId(), header.get("kid").asText());
        assertEquals("scorer", claims.get("sub").asText());
        assertEquals(oauth.issuer(), claims.get("iss").asText());
        assertEquals("test-audience", claims.get("aud").asText());
        assertEquals(TestOAuthServer.DEFAULT_SCOPE, claims.get("scope").asText());
        final long iat = claims.get("iat").asLong();
        assertTrue(iat >= before && iat <= Instant.now().getEpochSecond());
        assertEquals(iat + 20, claims.get("exp").asLong());
        assertTrue(verify(parts, jwksKey(header.get("kid").asText())), "signature verifies");
        assertEquals(1, oauth.tokensIssued("scorer"));
    }

    @Test
    void acceptsFormCredentialsAndRawOrUrlEncodedBasic() throws Exception {
        // given
        oauth.registerClient("a b", "p&s=w", Duration.ofSeconds(30));
        oauth.registerClient("raw", "x+y%z", Duration.ofSeconds(30));

        // when
        final int viaForm = tokenRequest(null, "grant_type=client_credentials&client_id=a+b&client_secret="
                + URLEncoder.encode("p&s=w", StandardCharsets.UTF_8)).statusCode();
        final int viaEncodedBasic = tokenRequest(basic(URLEncoder.encode("a b", StandardCharsets.UTF_8),
                URLEncoder.encode("p&s=w", StandardCharsets.UTF_8)), "grant_type=client_credentials")
                .statusCode();

        final int viaRawBasic = tokenRequest(basic("raw", "x+y%z"), "grant_type=client_credentials")
                .statusCode();

        // then
        assertEquals(200, viaForm);
        assertEquals(200, viaEncodedBasic);
        assertEquals(200, viaRawBasic);
        assertEquals(2, oauth.tokensIssued("a b"));
    }

    @Test
    void refusesWrongSecretUnknownClientAndOtherGrants() throws Exception {
        // given
        oauth.registerClient("scorer", "s3cret", Duration.ofSeconds(20));

        // when
        final HttpResponse<String> wrongSecret = tokenRequest(basic("scorer", "guess"),
                "grant_type=client_credentials");
        final HttpResponse<String> unknown = tokenRequest(basic("nobody", "s3cret"),
                "grant_type=client_credentials");
        final HttpResponse<String> password = tokenRequest(basic("scorer", "s3cret"),
                "grant_type=password");

        // then
        assertEquals(401, wrongSecret.statusCode());
        assertEquals("invalid_client", json.readTree(wrongSecret.body()).get("error").asText());
        assertFalse(wrongSecret.body().contains("guess"));
        assertEquals(401, unknown.statusCode());
        assertEquals(400, password.statusCode());
        assertEquals(0, oauth.tokensIssued("scorer"));
        assertEquals(3, oauth.refusedRequests());
    }

    @Test
    void expiredClientGetsTokensThatExpiredAMinuteAgo() throws Exception {
        // given
        oauth.registerExpiredClient("late", "s3cret");

        // when
        final String token = json.readTree(tokenRequest(basic("late", "s3cret"),
                "grant_type=client_credentials").body()).get("access_token").asText();
        final JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));

        // then
        final long now = Instant.now().getEpochSecond();
        assertTrue(claims.get("exp").asLong() <= now - 59, "exp " + claims.get("exp") + " now " + now);
        assertTrue(claims.get("iat").asLong() < claims.get("exp").asLong());
    }

    @Test
    void rotatedKeysArePublishedUntilRetired() throws Exception {
        // given
        final String first = oauth.signingKeyId();

        // when
        final String second = oauth.rotateKey();

        // then both are published, the new one signs
        assertEquals(Set.of(first, second), publishedKids());
        assertEquals(second, oauth.signingKeyId());
        final String[] parts = oauth.signToken("someone", Instant.now(), Duration.ofMinutes(1)).split("\\.");
        assertTrue(verify(parts, jwksKey(second)));
        assertThrows(IllegalArgumentException.class, () -> oauth.retireKey(second));
        oauth.retireKey(first);
        assertEquals(Set.of(second), publishedKids());
    }

    @Test
    void startAddsItsUrlsToKafkasAllowListKeepingOthers() {
        // given
        TestOAuthServer.allowKafkaUrls("https://idp.example/token");

        // when
        try (TestOAuthServer other = TestOAuthServer.start()) {
            final Set<String> allowed = Set.of(
                    System.getProperty(TestOAuthServer.ALLOWED_URLS_PROPERTY).split(","));

            // then
            assertTrue(allowed.contains("https://idp.example/token"));
            assertTrue(allowed.contains(other.jwksUrl()));
            assertTrue(allowed.contains(other.tokenUrl()));
            assertTrue(allowed.contains(oauth.tokenUrl()));
        }
    }

    @Test
    void registrationRejectsBadInputNamingIt() {
        final IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
                () -> oauth.registerClient("c", " ", Duration.ofSeconds(20)));
        assertTrue(blank.getMessage().contains("secret"), blank.getMessage());
        final IllegalArgumentException colon = assertThrows(IllegalArgumentException.class,
                () -> oauth.registerClient("a:b", "s", Duration.ofSeconds(20)));
        assertTrue(colon.getMessage().contains("clientId"), colon.getMessage());
        final IllegalArgumentException lifetime = assertThrows(IllegalArgumentException.class,
                () -> oauth.registerClient("c", "s", Duration.ofMillis(10)));
        assertTrue(lifetime.getMessage().contains("lifetime"), lifetime.getMessage());
        oauth.registerClient("c", "top-secret", Duration.ofSeconds(20));
        assertFalse(oauth.toString().contains("top-secret"));
    }

    // ---------------------------------------------------------------------------------------------

    private HttpResponse<String> tokenRequest(final String authorization, final String form)
            throws IOException, InterruptedException {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(oauth.tokenUrl()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(final String id, final String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret)
                .getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, JsonNode> jwks() throws IOException, InterruptedException {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(oauth.jwksUrl()))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        final Map<String, JsonNode> keys = new HashMap<>();
        for (final JsonNode key : json.readTree(response.body()).get("keys")) {
            assertEquals("RSA", key.get("kty").asText());
            assertEquals("RS256", key.get("alg").asText());
            keys.put(key.get("kid").asText(), key);
        }
        return keys;
    }

    private Set<String> publishedKids() throws IOException, InterruptedException {
        return jwks().keySet();
    }

    private PublicKey jwksKey(final String kid) throws Exception {
        final JsonNode key = jwks().get(kid);
        final BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(key.get("n").asText()));
        final BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(key.get("e").asText()));
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
    }

    private static boolean verify(final String[] parts, final PublicKey key) throws Exception {
        final Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initVerify(key);
        signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
    }
}
