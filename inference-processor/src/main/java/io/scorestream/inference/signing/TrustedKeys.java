package io.scorestream.inference.signing;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.SpecSignature;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The public keys whose signatures on model specs are trusted, by key id. Several at once is how
 * keys rotate: trust the new key beside the old one, sign new versions with the new key, and drop
 * the old key once no spec signed by it is still live.
 *
 * <p>Immutable and thread-safe (a new {@link Signature} per check).
 */
public final class TrustedKeys {

    private static final TrustedKeys NONE = new TrustedKeys(Map.of());

    private final Map<String, PublicKey> byId;

    private TrustedKeys(final Map<String, PublicKey> byId) {
        this.byId = byId;
    }

    /** No trusted key. */
    public static TrustedKeys none() {
        return NONE;
    }

    /**
     * Trusts {@code keys}; a key given twice counts once.
     *
     * @throws IllegalArgumentException if a key is not an Ed25519 key
     */
    public static TrustedKeys of(final Collection<PublicKey> keys) {
        final Map<String, PublicKey> byId = new LinkedHashMap<>();
        for (PublicKey k : keys) {
            Objects.requireNonNull(k, "key");
            if (!SigningKeys.ALGORITHM.equalsIgnoreCase(k.getAlgorithm())
                    && !"EdDSA".equalsIgnoreCase(k.getAlgorithm())) {
                throw new IllegalArgumentException("a trusted key must be an " + SigningKeys.ALGORITHM + " key, not "
                        + k.getAlgorithm());
            }
            byId.put(SigningKeys.keyId(k), k);
        }
        return byId.isEmpty() ? NONE : new TrustedKeys(Collections.unmodifiableMap(byId));
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    /** The key ids, in the order the keys were given. */
    public Set<String> keyIds() {
        return byId.keySet();
    }

    /**
     * Checks the signature of {@code spec} against these keys.
     *
     * @return the key id that signed it
     * @throws SpecSignatureException saying why not: {@code unsigned}, an algorithm other than
     *     Ed25519, {@code signed by unknown key id X}, or {@code signature does not match the spec}
     */
    public String verify(final ModelSpec spec) throws SpecSignatureException {
        final SpecSignature sig = spec.getSignature();
        if (sig == null) {
            throw new SpecSignatureException("unsigned");
        }
        if (!SigningKeys.ALGORITHM.equals(sig.getAlgorithm())) {
            throw new SpecSignatureException("signed with algorithm '" + sig.getAlgorithm() + "'; only "
                    + SigningKeys.ALGORITHM + " is accepted");
        }
        final String keyId = sig.getKeyId();
        final PublicKey key = byId.get(keyId);
        if (key == null) {
            throw new SpecSignatureException("signed by unknown key id " + keyId + " (trusted key ids: "
                    + (byId.isEmpty() ? "none" : String.join(", ", byId.keySet())) + ")");
        }
        final ByteBuffer value = sig.getValue().duplicate();
        final byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        final boolean valid;
        try {
            final Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initVerify(key);
            s.update(CanonicalSpec.encode(spec));
            valid = s.verify(bytes);
        } catch (GeneralSecurityException e) {
            // A malformed signature value (wrong length) lands here.
            throw new SpecSignatureException("signature does not match the spec (key id " + keyId + ": "
                    + e.getClass().getSimpleName() + ")");
        }
        if (!valid) {
            throw new SpecSignatureException("signature does not match the spec (key id " + keyId
                    + "): it was altered after signing, or signed by another key with the same id");
        }
        return keyId;
    }

    @Override
    public String toString() {
        return "TrustedKeys" + byId.keySet();
    }
}
