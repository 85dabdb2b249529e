package io.scorestream.inference.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Ed25519 keys for signing model specs, as PEM text: generation, reading and writing, and the key
 * id a signature names its key by.
 *
 * <p>A private key is PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), a public key X.509
 * SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}), both with the JDK's built-in
 * {@code Ed25519}. The key id is the lower-case hex of the first 8 bytes of the SHA-256 of the
 * public key's SubjectPublicKeyInfo (DER) bytes.
 *
 * <p>Failures are {@link KeyFileException}s whose message names the file (or "inline PEM text") and
 * what is wrong with it; no message ever contains key material. Stateless and thread-safe.
 */
public final class SigningKeys {

    /** The JDK name of the algorithm, also what a signature record names. */
    public static final String ALGORITHM = "Ed25519";

    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";
    private static final int KEY_ID_BYTES = 8;
    private static final int PEM_LINE = 64;

    private SigningKeys() {
    }

    /** A fresh Ed25519 key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no " + ALGORITHM + " (Java 15 or later has)", e);
        }
    }

    /** The key id of {@code key}: 16 lower-case hex digits. */
    public static String keyId(final PublicKey key) {
        Objects.requireNonNull(key, "key");
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, KEY_ID_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The public key of an Ed25519 private key. The JDK has no call for it, so its key pair
     * generator is run with the private key's seed as its only random bytes (the generator draws the
     * 32-byte seed and derives the public key from it), and the result is checked by a signature
     * made with {@code key} and verified with the derived key.
     *
     * @throws KeyFileException if {@code key} is not an Ed25519 key with its seed, or the check fails
     */
    public static PublicKey publicKeyOf(final PrivateKey key) {
        Objects.requireNonNull(key, "key");
        if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new KeyFileException("not an " + ALGORITHM + " private key with its 32-byte seed");
        }
        final byte[] seed = ed.getBytes().get();
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
            generator.initialize(NamedParameterSpec.ED25519, new SeedOnly(seed));
            final PublicKey derived = generator.generateKeyPair().getPublic();
            final byte[] probe = "scorestream key check".getBytes(StandardCharsets.US_ASCII);
            final Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(probe);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(derived);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new KeyFileException("cannot derive the public key of this " + ALGORITHM + " private key");
            }
            return derived;
        } catch (GeneralSecurityException e) {
            throw new KeyFileException("cannot derive the public key of this " + ALGORITHM + " private key: "
                    + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** Random bytes that are a given seed: makes a key pair generator derive that seed's key pair. */
    private static final class SeedOnly extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;

        SeedOnly(final byte[] seed) {
            this.seed = seed;
        }

        @Override
        public void nextBytes(final byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("expected a draw of " + seed.length + " bytes, not " + bytes.length);
            }
            System.arraycopy(seed, 0, bytes, 0, bytes.length);
        }
    }

    /** {@code key} as PKCS#8 PEM text, ending with a newline. Secret: never log it. */
    public static String privateKeyPem(final PrivateKey key) {
        return pem(PRIVATE_LABEL, Objects.requireNonNull(key, "key").getEncoded());
    }

    /** {@code key} as X.509 SubjectPublicKeyInfo PEM text, ending with a newline. */
    public static String publicKeyPem(final PublicKey key) {
        return pem(PUBLIC_LABEL, Objects.requireNonNull(key, "key").getEncoded());
    }

    /**
     * Reads a PKCS#8 PEM Ed25519 private key.
     *
     * @throws KeyFileException naming {@code file} when it cannot be read or holds no such key
     */
    public static PrivateKey readPrivateKey(final Path file) {
        final String where = "private key file '" + file + "'";
        final byte[] der = decodePem(read(file, where), 0, PRIVATE_LABEL, where, new int[1]);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFileException(where + " does not hold an " + ALGORITHM + " private key (PKCS#8): "
                    + e.getClass().getSimpleName());
        }
    }

    /**
     * Reads an X.509 SubjectPublicKeyInfo PEM Ed25519 public key from PEM text, or from the file
     * {@code pemOrPath} names when it does not start with {@code -----BEGIN}.
     *
     * @throws KeyFileException naming the file (or "inline PEM text") when it cannot be read or does
     *     not hold exactly one such key
     */
    public static PublicKey readPublicKey(final String pemOrPath) {
        final List<PublicKey> keys = readPublicKeys(pemOrPath);
        if (keys.size() != 1) {
            throw new KeyFileException(describe(pemOrPath) + " holds " + keys.size() + " public keys; expected one");
        }
        return keys.get(0);
    }

    /**
     * Reads every X.509 SubjectPublicKeyInfo PEM Ed25519 public key (one or more
     * {@code PUBLIC KEY} blocks) from PEM text, or from the file {@code pemOrPath} names when it does
     * not start with {@code -----BEGIN}.
     *
     * @throws KeyFileException naming the file (or "inline PEM text") when it cannot be read, holds
     *     no public key, or a block is not an Ed25519 public key
     */
    public static List<PublicKey> readPublicKeys(final String pemOrPath) {
        Objects.requireNonNull(pemOrPath, "pemOrPath");
        final String where = describe(pemOrPath);
        final String trimmed = pemOrPath.strip();
        final String text;
        if (isPemText(trimmed)) {
            text = trimmed;
        } else {
            final Path file;
            try {
                file = Path.of(trimmed);
            } catch (InvalidPathException e) {
                throw new KeyFileException("'" + trimmed + "' is neither PEM text (-----BEGIN PUBLIC KEY-----) nor a "
                        + "file path: " + e.getReason());
            }
            text = read(file, where);
        }
        final List<PublicKey> keys = new ArrayList<>();
        int from = 0;
        do {
            final int[] next = new int[1];
            final byte[] der = decodePem(text, from, PUBLIC_LABEL, where + (keys.isEmpty() ? "" : " (key "
                    + (keys.size() + 1) + ")"), next);
            try {
                keys.add(KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der)));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new KeyFileException(where + (keys.isEmpty() ? "" : " (key " + (keys.size() + 1) + ")")
                        + " does not hold an " + ALGORITHM + " public key (X.509 SubjectPublicKeyInfo): "
                        + e.getClass().getSimpleName());
            }
            from = next[0];
        } while (text.indexOf("-----BEGIN " + PUBLIC_LABEL + "-----", from) >= 0);
        return List.copyOf(keys);
    }

    /** Whether {@code pemOrPath} is PEM text rather than a file path. */
    public static boolean isPemText(final String pemOrPath) {
        return pemOrPath.strip().startsWith("-----BEGIN");
    }

    /** "inline PEM text" or "public key file 'F'", for messages. */
    private static String describe(final String pemOrPath) {
        return isPemText(pemOrPath) ? "inline PEM text" : "public key file '" + pemOrPath.strip() + "'";
    }

    private static String read(final Path file, final String where) {
        if (!Files.isRegularFile(file)) {
            throw new KeyFileException(where + " does not exist or is not a file");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new KeyFileException("cannot read " + where + ": " + e.getClass().getSimpleName());
        } catch (RuntimeException e) {
            // MalformedInputException comes wrapped when the file is not ASCII text.
            throw new KeyFileException(where + " is not PEM text");
        }
    }

    /**
     * The DER bytes of the first {@code label} block of {@code text} at or after {@code start};
     * {@code endOut[0]} is set to where the block ends.
     */
    private static byte[] decodePem(final String text, final int start, final String label, final String where,
                                    final int[] endOut) {
        final String begin = "-----BEGIN " + label + "-----";
        final String end = "-----END " + label + "-----";
        final int from = text.indexOf(begin, start);
        final int to = from < 0 ? -1 : text.indexOf(end, from + begin.length());
        if (from < 0 || to < 0) {
            final String other = PRIVATE_LABEL.equals(label) ? PUBLIC_LABEL : PRIVATE_LABEL;
            final String hint = text.contains("-----BEGIN " + other + "-----")
                    ? "; it holds a " + other.toLowerCase(Locale.ROOT) + " instead" : "";
            throw new KeyFileException(where + " has no '" + begin + "' ... '" + end + "' block" + hint);
        }
        endOut[0] = to + end.length();
        final String body = text.substring(from + begin.length(), to).replaceAll("\\s", "");
        try {
            final byte[] der = Base64.getDecoder().decode(body);
            if (der.length == 0) {
                throw new KeyFileException(where + ": the " + label.toLowerCase(Locale.ROOT) + " block is empty");
            }
            return der;
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(where + ": the " + label.toLowerCase(Locale.ROOT) + " block is not base64");
        }
    }

    private static String pem(final String label, final byte[] der) {
        final String b64 = Base64.getEncoder().encodeToString(der);
        final StringBuilder sb = new StringBuilder(b64.length() + 80);
        sb.append("-----BEGIN ").append(label).append("-----\n");
        for (int i = 0; i < b64.length(); i += PEM_LINE) {
            sb.append(b64, i, Math.min(b64.length(), i + PEM_LINE)).append('\n');
        }
        sb.append("-----END ").append(label).append("-----\n");
        return sb.toString();
    }

    /** A key file or PEM text that cannot be used; the message names it, never its content. */
    public static final class KeyFileException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        public KeyFileException(final String message) {
            super(message);
        }
    }
}
