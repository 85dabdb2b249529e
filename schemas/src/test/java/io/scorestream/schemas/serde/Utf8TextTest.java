package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class Utf8TextTest {

    private static boolean jdkAccepts(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static void assertAgrees(byte[] b) {
        assertEquals(jdkAccepts(b), Utf8Text.wellFormed(b, 0, b.length), () -> HexFormat.of().formatHex(b));
    }

    @Test
    void acceptsExactlyWhatTheJdkDecoderAcceptsAtTheEdges() {
        final String[] cases = {"", "41", "7f", "80", "c0af", "c1bf", "c280", "dfbf", "e080af", "e0a080", "ed9fbf",
            "eda080", "edbfbf", "ee8080", "efbfbf", "f08f8080", "f0908080", "f48fbfbf", "f4908080", "f5808080",
            "ff", "e282", "f09f98", "f09f9880", "c2", "41c3a9", "e282ac41"};
        for (String hex : cases) {
            assertAgrees(HexFormat.of().parseHex(hex));
        }
        assertTrue(Utf8Text.wellFormed("é€😀".getBytes(StandardCharsets.UTF_8), 0, 9));
        assertFalse(Utf8Text.wellFormed(HexFormat.of().parseHex("eda080"), 0, 3));
    }

    @Test
    void acceptsExactlyWhatTheJdkDecoderAcceptsForRandomBytes() {
        final Random random = new Random(18);
        final byte[] leads = HexFormat.of().parseHex("41c2dfe0e1ecedeef0f1f4f5c0ff");
        for (int i = 0; i < 200_000; i++) {
            final byte[] b = new byte[1 + random.nextInt(6)];
            for (int k = 0; k < b.length; k++) {
                // Mostly lead and continuation bytes near the boundaries, where decoders disagree.
                final int kind = random.nextInt(4);
                b[k] = kind == 0 ? leads[random.nextInt(leads.length)]
                        : kind == 1 ? (byte) (0x80 + random.nextInt(0x40)) : (byte) random.nextInt(256);
            }
            assertAgrees(b);
        }
    }

    @Test
    void checksOnlyTheGivenRange() {
        final byte[] b = HexFormat.of().parseHex("ff4142ff");
        assertTrue(Utf8Text.wellFormed(b, 1, 2));
        assertFalse(Utf8Text.wellFormed(b, 1, 3));
    }

    @Test
    void aCursorCopiesAStringsBytesAndSaysWhetherTheyAreWellFormed() {
        // given: an Avro string "ké" then one with a lone continuation byte, then an int
        final byte[] data = HexFormat.of().parseHex("066bc3a9" + "0441" + "80" + "04");
        final AvroCursor cursor = new AvroCursor().reset(data, 0, data.length);
        final Utf8 into = new Utf8("a much longer previous value");

        // when / then
        assertTrue(cursor.readStringInto(into));
        assertEquals("ké", into.toString());
        assertArrayEquals("ké".getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOf(into.getBytes(),
                into.getByteLength()));
        assertFalse(cursor.readStringInto(into));
        assertEquals(new AvroCursor().reset(data, 4, 3).readString(), into.toString(), "decodes as readString does");
        assertEquals(2, cursor.readInt());
        assertTrue(cursor.isEnd());
    }
}
