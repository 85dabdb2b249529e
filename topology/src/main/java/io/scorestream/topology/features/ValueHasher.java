package io.scorestream.topology.features;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.avro.util.Utf8;

/**
 * The 64-bit hash count_distinct keeps of a value: the first 8 bytes (big-endian) of the SHA-256 of
 * the UTF-8 of the value's canonical text, which is the decimal of the long for int and long fields,
 * {@link Double#toString(double)} of the value for float and double fields (a float widened to
 * double first), {@code true} or {@code false}, the string itself, or the enum symbol. The same in
 * every JVM. Two distinct values share a hash with probability 2^-64, so a window of n distinct
 * values is undercounted with probability below n^2 / 2^65 (about 3e-8 for a million values).
 *
 * <p>Reuses its digest and buffers: one per engine, not thread-safe.
 */
final class ValueHasher {

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest digest;
    private final byte[] out = new byte[32];
    private final byte[] digits = new byte[20];

    ValueHasher() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The hash of a non-null value of a field of this kind (a finite number for float and double). */
    long hash(Object v, FieldKind kind) {
        switch (kind) {
            case INT, LONG -> updateDecimal(((Number) v).longValue());
            case FLOAT, DOUBLE -> update(Double.toString(((Number) v).doubleValue()));
            case BOOLEAN -> digest.update((Boolean) v ? TRUE : FALSE);
            case STRING -> {
                if (v instanceof Utf8 u) {
                    digest.update(u.getBytes(), 0, u.getByteLength());
                } else {
                    update(v.toString());
                }
            }
            case ENUM -> update(v.toString());
            default -> throw new IllegalStateException(kind.name());
        }
        try {
            digest.digest(out, 0, out.length);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (out[i] & 0xFF);
        }
        return h;
    }

    /** The hash of a text, as {@link #hash} gives it for a string of that text. */
    long hashText(String text) {
        return hash(text, FieldKind.STRING);
    }

    private void update(String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Feeds the decimal digits of {@code v} without making a String. */
    private void updateDecimal(long v) {
        int at = digits.length;
        // work on the negative value so that Long.MIN_VALUE needs no special case
        long rest = v < 0 ? v : -v;
        do {
            digits[--at] = (byte) ('0' - (rest % 10));
            rest /= 10;
        } while (rest != 0);
        if (v < 0) {
            digits[--at] = '-';
        }
        digest.update(digits, at, digits.length - at);
    }
}
