package io.scorestream.app.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.cli.ScorestreamApp;
import io.scorestream.inference.signing.SigningKeys;
import io.scorestream.inference.signing.SpecSigner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ScorestreamApp.execute(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void generateWritesAnOwnerOnlyPrivateKeyAndAPublicKeyAndPrintsOnlyTheKeyId() throws IOException {
        // when
        final Path out = dir.resolve("keys");
        final Result r = run("keys", "generate", "--out", out.toString());

        // then
        assertEquals(0, r.code(), r.err());
        final Path priv = out.resolve(KeysCommand.PRIVATE_FILE);
        final Path pub = out.resolve(KeysCommand.PUBLIC_FILE);
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(priv), "private key must be 0600, was "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        final PublicKey publicKey = SigningKeys.readPublicKey(pub.toString());
        final SpecSigner signer = SpecSigner.fromFile(priv);
        assertEquals(SigningKeys.keyId(publicKey), signer.keyId(), "the two files are one pair");
        assertTrue(r.out().startsWith("generated an Ed25519 key pair, key id " + signer.keyId() + "\n"), r.out());
        final String privateText = Files.readString(priv, StandardCharsets.US_ASCII);
        assertTrue(privateText.startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        final String secretLine = privateText.split("\n")[1];
        assertFalse(r.out().contains(secretLine) || r.err().contains(secretLine), "the private key is never printed");
        assertTrue(Files.readString(pub, StandardCharsets.US_ASCII).startsWith("-----BEGIN PUBLIC KEY-----"));
    }

    @Test
    void generateNeverOverwritesAKeyFile() throws IOException {
        final Path priv = dir.resolve("a.key.pem");
        final Path pub = dir.resolve("a.pub.pem");
        assertEquals(0, run("keys", "generate", "--private", priv.toString(), "--public", pub.toString()).code());
        final byte[] before = Files.readAllBytes(priv);

        final Result again = run("keys", "generate", "--private", priv.toString(), "--public",
                dir.resolve("b.pub.pem").toString());

        assertEquals(2, again.code());
        assertTrue(again.err().contains("'" + priv + "' exists; nothing was written"), again.err());
        assertArrayEquals(before, Files.readAllBytes(priv));
        assertFalse(Files.exists(dir.resolve("b.pub.pem")));
    }

    @Test
    void generateNeedsOneWayOfNamingTheFiles() {
        final Result r = run("keys", "generate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out") && r.err().contains("--private"), r.err());
    }

    @Test
    void publishWithABadSigningKeyFileFailsNamingTheFileBeforeConnecting() throws IOException {
        final Path pub = dir.resolve("a.pub.pem");
        Files.writeString(pub, SigningKeys.publicKeyPem(SigningKeys.generate().getPublic()));

        final Result r = run("models", "publish", "--bootstrap", "localhost:1", "--schema-registry",
                "http://localhost:1", "--name", "fraud", "--version", "1", "--train-demo", "--signing-key",
                pub.toString());

        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--signing-key: private key file '" + pub + "' has no '-----BEGIN PRIVATE "
                + "KEY-----' ... '-----END PRIVATE KEY-----' block; it holds a public key instead"), r.err());
    }
}
