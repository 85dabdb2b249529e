package io.scorestream.inference.signing;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.SpecSignature;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The public keys whose signatures on model specs are trusted, by key id. Several at once is how
 * keys rotate: trust the new key beside the old one, sign new versions with the new key, and drop
 * the old key once no spec signed by it is still live.
 *
 * <p>Keys come as values ({@link #of}) or as sources ({@link #fromSources}): PEM texts, fixed, and
 * files, which are read when the object is made and read again at every {@link #verify} so that a
 * key added to (or removed from) a file counts from the next model version on, without a restart.
 * A file that cannot be read again at a check fails that check (nothing is trusted from a file that
 * cannot be read).
 *
 * <p>Thread-safe (a new {@link Signature} per check); immutable but for what the files hold.
 */
public final class TrustedKeys {

    private static final TrustedKeys NONE = new TrustedKeys(Map.of(), List.of(), List.of());

    private final Map<String, PublicKey> fixed;
    private final List<String> files;
    private volatile Map<String, PublicKey> byId;

    private TrustedKeys(final Map<String, PublicKey> fixed, final List<String> files,
                        final List<PublicKey> fromFiles) {
        this.fixed = fixed;
        this.files = files;
        this.byId = merge(fixed, fromFiles);
    }

    private static Map<String, PublicKey> merge(final Map<String, PublicKey> fixed, final List<PublicKey> more) {
        final Map<String, PublicKey> all = new LinkedHashMap<>(fixed);
        for (PublicKey k : more) {
            all.put(SigningKeys.keyId(checked(k)), k);
        }
        return Collections.unmodifiableMap(all);
    }

    /**
     * Trusts the keys of {@code pemsOrPaths}: each entry is PEM text ({@code -----BEGIN PUBLIC
     * KEY-----...}) or the path of a file of one or more PEM public keys. Files are read now and at
     * every check.
     *
     * @throws SigningKeys.KeyFileException naming the file (or inline text) that holds no usable key
     */
    public static TrustedKeys fromSources(final Collection<String> pemsOrPaths) {
        final List<PublicKey> inline = new ArrayList<>();
        final List<String> files = new ArrayList<>();
        for (String source : pemsOrPaths) {
            Objects.requireNonNull(source, "source");
            if (SigningKeys.isPemText(source)) {
                inline.addAll(SigningKeys.readPublicKeys(source));
            } else {
                files.add(source.strip());
            }
        }
        if (inline.isEmpty() && files.isEmpty()) {
            return NONE;
        }
        return new TrustedKeys(merge(Map.of(), inline), List.copyOf(files), readFiles(files));
    }

    private static List<PublicKey> readFiles(final List<String> files) {
        final List<PublicKey> keys = new ArrayList<>();
        for (String f : files) {
            keys.addAll(SigningKeys.readPublicKeys(f));
        }
        return keys;
    }

    private static PublicKey checked(final PublicKey k) {
        Objects.requireNonNull(k, "key");
        if (!SigningKeys.ALGORITHM.equalsIgnoreCase(k.getAlgorithm()) && !"EdDSA".equalsIgnoreCase(k.getAlgorithm())) {
            throw new IllegalArgumentException("a trusted key must be an " + SigningKeys.ALGORITHM + " key, not "
                    + k.getAlgorithm());
        }
        return k;
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
        final Map<String, PublicKey> byId = merge(Map.of(), List.copyOf(keys));
        return byId.isEmpty() ? NONE : new TrustedKeys(byId, List.of(), List.of());
    }

    /** Whether no key is trusted (as of the last read of the files). */
    public boolean isEmpty() {
        return byId.isEmpty();
    }

    /** The key ids, in the order the keys were given, as of the last read of the files. */
    public Set<String> keyIds() {
        return byId.keySet();
    }

    /** The files read again at every check, as given. */
    public List<String> files() {
        return files;
    }

    /** The keys now: the fixed ones, and the files read again. */
    private Map<String, PublicKey> current() throws SpecSignatureException {
        if (files.isEmpty()) {
            return byId;
        }
        try {
            final Map<String, PublicKey> now = merge(fixed, readFiles(files));
            byId = now;
            return now;
        } catch (RuntimeException e) {
            throw new SpecSignatureException("the trusted keys cannot be read again: " + e.getMessage());
        }
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
        final Map<String, PublicKey> keys = current();
        final PublicKey key = keys.get(keyId);
        if (key == null) {
            throw new SpecSignatureException("signed by unknown key id " + keyId + " (trusted key ids: "
                    + (keys.isEmpty() ? "none" : String.join(", ", keys.keySet())) + ")");
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
        return "TrustedKeys" + byId.keySet() + (files.isEmpty() ? "" : " (files " + files + ")");
    }
}
