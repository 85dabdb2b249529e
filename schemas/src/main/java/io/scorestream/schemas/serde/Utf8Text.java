package io.scorestream.schemas.serde;

/**
 * Checks bytes for well-formed UTF-8 without decoding them: exactly the byte sequences the JDK's
 * UTF-8 decoder accepts with {@code CodingErrorAction.REPORT} (no overlong forms, no surrogates, nothing
 * above U+10FFFF). Such bytes decode to a {@code String} whose UTF-8 encoding is the same bytes, so
 * they can be copied where that {@code String} would have been encoded. Stateless.
 */
public final class Utf8Text {

    private Utf8Text() {
    }

    /** Whether {@code length} bytes of {@code b} from {@code offset} are well-formed UTF-8. */
    public static boolean wellFormed(final byte[] b, final int offset, final int length) {
        final int end = offset + length;
        int i = offset;
        while (i < end) {
            final int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                i++;
                continue;
            }
            final int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                n = 2;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                n = 3;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                n = 4;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return false;
            }
            if (end - i < n) {
                return false;
            }
            final int b1 = b[i + 1] & 0xFF;
            if (b1 < lo || b1 > hi) {
                return false;
            }
            for (int k = 2; k < n; k++) {
                final int bk = b[i + k] & 0xFF;
                if (bk < 0x80 || bk > 0xBF) {
                    return false;
                }
            }
            i += n;
        }
        return true;
    }
}
