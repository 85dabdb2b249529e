package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.inference.signing.SigningKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSignatureConfigTest {

    @TempDir
    Path dir;

    private static Map<String, Object> config(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>(Map.of("bootstrap.servers", "localhost:9092",
                "input.topics", "features", "model.name", "fraud"));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    @Test
    void signaturesAreNotCheckedByDefault() {
        final RegistrySettings settings = ScorestreamConfig.of(config()).models().registrySettings();

        assertTrue(settings.trustedKeys().isEmpty());
        assertFalse(settings.signatureRequired());
    }

    @Test
    void trustsKeysFromFilesAndInlinePemTextAtOnce() throws IOException {
        // given: key A in a file, key B inline in a properties file (continued lines lose their breaks)
        final KeyPair a = SigningKeys.generate();
        final KeyPair b = SigningKeys.generate();
        final Path fileA = Files.writeString(dir.resolve("a.pub.pem"), SigningKeys.publicKeyPem(a.getPublic()));
        final String inlineB = SigningKeys.publicKeyPem(b.getPublic()).strip().replace("\n", "\\\n    ");
        final Path props = Files.writeString(dir.resolve("app.properties"), String.join("\n",
                "bootstrap.servers=b:9092", "input.topics=features", "model.name=fraud",
                "model.signature.required=true",
                "model.trusted.keys=" + fileA + ",\\\n    " + inlineB, ""), StandardCharsets.UTF_8);

        // when
        final ScorestreamConfig config = ScorestreamConfig.load(props, Map.of(), Map.of());

        // then
        final RegistrySettings settings = config.models().registrySettings();
        assertTrue(settings.signatureRequired());
        assertEquals(Set.of(SigningKeys.keyId(a.getPublic()), SigningKeys.keyId(b.getPublic())),
                settings.trustedKeys().keyIds());
        assertEquals(List.of(fileA.toString()), settings.trustedKeys().files());
    }

    @Test
    void requiringSignaturesWithoutTrustedKeysStopsStartUpNamingBothKeys() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(config("model.signature.required", "true")));

        assertTrue(e.getMessage().contains("model.signature.required"), e.getMessage());
        assertTrue(e.getMessage().contains("model.trusted.keys names no public key"), e.getMessage());
    }

    @Test
    void aBadTrustedKeyFileIsRefusedNamingTheKeyAndTheFileButNotAPrivateKey() throws IOException {
        final Path missing = dir.resolve("missing.pem");
        final ConfigException e1 = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(config("model.trusted.keys", missing.toString())));
        assertEquals("model.trusted.keys: public key file '" + missing + "' does not exist or is not a file",
                e1.getMessage());

        // a private key given by mistake: refused, and its text is not repeated
        final String privatePem = SigningKeys.privateKeyPem(SigningKeys.generate().getPrivate());
        final Path wrong = Files.writeString(dir.resolve("private.pem"), privatePem);
        final ConfigException e2 = assertThrows(ConfigException.class,
                () -> ScorestreamConfig.of(config("model.trusted.keys", wrong.toString())));
        assertTrue(e2.getMessage().contains("holds a private key instead"), e2.getMessage());
        assertFalse(e2.getMessage().contains(privatePem.split("\n")[1]), e2.getMessage());
    }
}
