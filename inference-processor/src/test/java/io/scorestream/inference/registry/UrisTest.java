package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrisTest {

    @Test
    void redactionDropsUserInfoQueryAndFragment() {
        assertEquals("https://models.internal:8443/fraud/7.onnx?<redacted>",
                Uris.redact(URI.create("https://bob:pw@models.internal:8443/fraud/7.onnx?X-Sig=abc#frag")));
        assertEquals("file:/var/models/fraud.onnx", Uris.redact(URI.create("file:/var/models/fraud.onnx")));
        assertEquals("mailto:<opaque>", Uris.redact(URI.create("mailto:bob@example.com")));
        assertEquals("http://odd_host/x", Uris.redact(URI.create("http://bob:pw@odd_host/x")));
    }

    @Test
    void requestUriKeepsEverythingButUserInfo() {
        assertEquals(URI.create("https://models.internal:8443/fraud.onnx?X-Sig=abc"),
                Uris.withoutUserInfo(URI.create("https://bob:pw@models.internal:8443/fraud.onnx?X-Sig=abc")));
    }

    @Test
    void scrubReplacesSecretsInFreeText() {
        final URI uri = URI.create("https://bob:pw@models.internal/fraud.onnx?token=abc");

        assertEquals("failed for ***@models.internal with ***",
                Uris.scrub("failed for bob:pw@models.internal with token=abc", uri));
    }
}
