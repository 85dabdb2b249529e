package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyBucketsTest {

    @Test
    void bucketsMatchTheDocumentedFunctionComputedIndependently() {
        // Expected values computed outside Java (a Python transcription of the documented
        // fmix64(FNV-1a-64(key)) mod 10 000). Changing them re-routes every live canary key: don't.
        assertEquals(4342, KeyBuckets.bucket(new byte[0]));
        assertEquals(8315, KeyBuckets.bucket("a".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2983, KeyBuckets.bucket("acct-000042".getBytes(StandardCharsets.UTF_8)));
        assertEquals(333, KeyBuckets.bucket(new byte[] {(byte) 0xff, 0x00, 0x10}));
        assertEquals(3776, KeyBuckets.bucket("Zürich".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1, KeyBuckets.bucket(null));
    }

    @Test
    void aCanaryTakesItsShareOfDistinctKeysAndGrowingItKeepsEveryRoutedKey() {
        final SplittableRandom random = new SplittableRandom(7);
        final int keys = 100_000;
        int at10 = 0;
        int at25 = 0;
        for (int i = 0; i < keys; i++) {
            final byte[] key = ("acct-" + random.nextInt(1_000_000_000)).getBytes(StandardCharsets.US_ASCII);
            final int b = KeyBuckets.bucket(key);
            final boolean in10 = b < KeyBuckets.threshold(10);
            final boolean in25 = b < KeyBuckets.threshold(25);
            assertTrue(!in10 || in25, "a key in the 10% canary left it when the canary grew to 25%");
            at10 += in10 ? 1 : 0;
            at25 += in25 ? 1 : 0;
        }
        assertEquals(0.10, at10 / (double) keys, 0.005);
        assertEquals(0.25, at25 / (double) keys, 0.005);
    }

    @Test
    void sequentialKeysSpreadEvenly() {
        final int[] tenths = new int[10];
        for (int i = 0; i < 50_000; i++) {
            tenths[KeyBuckets.bucket(("acct-" + i).getBytes(StandardCharsets.US_ASCII)) / 1000]++;
        }
        for (int count : tenths) {
            assertEquals(5_000, count, 300, java.util.Arrays.toString(tenths));
        }
    }

    @Test
    void percentagesOutsideZeroToHundredAreRefused() {
        assertEquals(0, KeyBuckets.threshold(0));
        assertEquals(10_000, KeyBuckets.threshold(100));
        assertEquals(1, KeyBuckets.threshold(0.01));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyBuckets.threshold(100.5));
        assertTrue(e.getMessage().contains("100.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyBuckets.threshold(Double.NaN));
    }
}
