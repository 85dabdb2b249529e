package io.scorestream.inference.signing;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.SpecSignature;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Objects;

/**
 * Signs model specs with one Ed25519 private key: the signature covers the spec's
 * {@linkplain CanonicalSpec canonical encoding} and goes into its {@code signature} field with the
 * key id.
 *
 * <p>Holds the private key; its {@link #toString()} shows the key id only. Immutable and
 * thread-safe (a new {@link Signature} per call).
 */
public final class SpecSigner {

    private final PrivateKey key;
    private final String keyId;

    private SpecSigner(final PrivateKey key, final String keyId) {
        this.key = key;
        this.keyId = keyId;
    }

    /**
     * A signer for {@code key}; its key id is that of the public key derived from it.
     *
     * @throws SigningKeys.KeyFileException if {@code key} is not a usable Ed25519 private key
     */
    public static SpecSigner of(final PrivateKey key) {
        Objects.requireNonNull(key, "key");
        return new SpecSigner(key, SigningKeys.keyId(SigningKeys.publicKeyOf(key)));
    }

    /**
     * A signer for the PKCS#8 PEM private key in {@code file}.
     *
     * @throws SigningKeys.KeyFileException naming {@code file} when it holds no usable key
     */
    public static SpecSigner fromFile(final Path file) {
        final PrivateKey key = SigningKeys.readPrivateKey(file);
        try {
            return of(key);
        } catch (SigningKeys.KeyFileException e) {
            throw new SigningKeys.KeyFileException("private key file '" + file + "': " + e.getMessage());
        }
    }

    /** The key id its signatures name. */
    public String keyId() {
        return keyId;
    }

    /**
     * A copy of {@code spec} signed by this key; any signature it had is replaced. {@code spec} is
     * not modified.
     */
    public ModelSpec sign(final ModelSpec spec) {
        final ModelSpec copy = ModelSpec.newBuilder(Objects.requireNonNull(spec, "spec")).setSignature(null).build();
        final byte[] value;
        try {
            final Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initSign(key);
            s.update(CanonicalSpec.encode(copy));
            value = s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + SigningKeys.ALGORITHM + " key " + keyId + ": "
                    + e.getClass().getSimpleName(), e);
        }
        copy.setSignature(SpecSignature.newBuilder()
                .setAlgorithm(SigningKeys.ALGORITHM)
                .setKeyId(keyId)
                .setValue(ByteBuffer.wrap(value))
                .build());
        return copy;
    }

    @Override
    public String toString() {
        return "SpecSigner{keyId=" + keyId + '}';
    }
}
