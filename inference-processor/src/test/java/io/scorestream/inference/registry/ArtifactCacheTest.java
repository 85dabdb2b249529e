package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ArtifactCacheTest {

    private static final long LARGE = 64L * 1024 * 1024;

    @TempDir
    Path tmp;

    private Path dir;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ArtifactCache.class);

    @BeforeEach
    void captureLog() {
        dir = tmp.resolve("cache");
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    @Test
    void sha256HexIsLowerCaseHexOfTheBytes() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                ArtifactCache.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void createsItsDirectoryAndRefusesANonPositiveSize() {
        final ArtifactCache cache = new ArtifactCache(dir.resolve("a/b"), 1);

        assertTrue(Files.isDirectory(dir.resolve("a/b")));
        assertEquals(dir.resolve("a/b"), cache.directory());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ArtifactCache(dir, 0));
        assertTrue(e.getMessage().contains("maxBytes"), e.getMessage());
    }

    @Test
    void returnsWhatWasPutUnderItsSha256InEitherCase() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final byte[] model = blob(1, 1000);
        final String sha = ArtifactCache.sha256Hex(model);

        cache.put(sha.toUpperCase(Locale.ROOT), model);

        assertArrayEquals(model, cache.get(sha).orElseThrow());
        assertArrayEquals(model, cache.get(sha.toUpperCase(Locale.ROOT)).orElseThrow());
        assertArrayEquals(model, Files.readAllBytes(dir.resolve(sha + ".onnx")), "file named by the lower-case sha");
        assertEquals(Optional.empty(), cache.get(ArtifactCache.sha256Hex(blob(2, 1000))));
        assertEquals(Optional.empty(), new ArtifactCache(tmp.resolve("other"), LARGE).get(sha));
        assertArrayEquals(model, new ArtifactCache(dir, LARGE).get(sha).orElseThrow(),
                "a second instance on the directory (a restart) finds it");
    }

    @Test
    void aCorruptedFileIsDeletedReportedAbsentAndWarnedAbout() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final byte[] model = blob(1, 1000);
        final String sha = ArtifactCache.sha256Hex(model);
        cache.put(sha, model);
        final Path file = dir.resolve(sha + ".onnx");
        final byte[] damaged = model.clone();
        damaged[500] ^= 1;
        Files.write(file, damaged);

        final Optional<byte[]> got = cache.get(sha);

        assertEquals(Optional.empty(), got);
        assertFalse(Files.exists(file), "the corrupt file is deleted");
        assertTrue(warnings().stream().anyMatch(w -> w.contains(file.toString()) && w.contains("corrupt")),
                "a WARN names the file: " + warnings());
    }

    @Test
    void refusesToStoreBytesThatDoNotHashToTheGivenSha256() {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final byte[] model = blob(1, 1000);
        final String claimed = ArtifactCache.sha256Hex(blob(2, 1000));

        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cache.put(claimed, model));

        assertTrue(e.getMessage().contains(claimed), e.getMessage());
        assertTrue(e.getMessage().contains(ArtifactCache.sha256Hex(model)), e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void refusesAMalformedSha256NamingIt() {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final String good = ArtifactCache.sha256Hex(blob(1, 10));
        final List<String> bad = new ArrayList<>(List.of("", "../../etc/passwd", good.substring(1), good + "0",
                good.substring(2) + "/.", "g" + good.substring(1),
                // A full-width digit is a hex digit to Character.digit, but not in a file name of ours.
                "\uFF10" + good.substring(1)));

        for (String sha : bad) {
            final IllegalArgumentException onGet = assertThrows(IllegalArgumentException.class, () -> cache.get(sha),
                    sha);
            assertTrue(onGet.getMessage().contains("'" + sha + "'"), onGet.getMessage());
            final IllegalArgumentException onPut = assertThrows(IllegalArgumentException.class,
                    () -> cache.put(sha, blob(1, 10)), sha);
            assertTrue(onPut.getMessage().contains("'" + sha + "'"), onPut.getMessage());
        }
        final IllegalArgumentException onNull = assertThrows(IllegalArgumentException.class, () -> cache.get(null));
        assertTrue(onNull.getMessage().contains("null"), onNull.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void evictsTheLeastRecentlyUsedArtifactsBeyondMaxBytes() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, 250);
        final String a = putAged(cache, blob(1, 100), 3);
        final String b = putAged(cache, blob(2, 100), 2);

        final String c = putAged(cache, blob(3, 100), 0);

        assertEquals(List.of(b + ".onnx", c + ".onnx"), files());
        assertEquals(Optional.empty(), cache.get(a));
    }

    @Test
    void aHitMakesAnArtifactRecentlyUsed() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, 250);
        final String a = putAged(cache, blob(1, 100), 3);
        final String b = putAged(cache, blob(2, 100), 2);
        assertTrue(cache.get(a).isPresent());

        final String c = putAged(cache, blob(3, 100), 0);

        assertEquals(List.of(a + ".onnx", c + ".onnx").stream().sorted().toList(), files());
        assertEquals(Optional.empty(), cache.get(b));
    }

    @Test
    void neverEvictsTheArtifactJustWritten() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, 150);
        final String a = putAged(cache, blob(1, 100), 0);
        // a now looks more recently used than anything written from here on.
        Files.setLastModifiedTime(dir.resolve(a + ".onnx"), FileTime.from(Instant.now().plus(1, ChronoUnit.HOURS)));

        final String b = putAged(cache, blob(2, 100), 0);

        assertEquals(List.of(b + ".onnx"), files());
    }

    @Test
    void ignoresTemporaryAndForeignFilesWhenSizingAndEvicting() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, 250);
        final String a = ArtifactCache.sha256Hex(blob(1, 100));
        final Path temp = Files.write(dir.resolve("." + a + ".1234.tmp"), blob(9, 1000));
        final Path foreign = Files.write(dir.resolve("README.txt"), blob(8, 1000));
        final Path backup = Files.write(dir.resolve(a + ".onnx.bak"), blob(7, 1000));
        for (Path p : List.of(temp, foreign, backup)) {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(10, ChronoUnit.DAYS)));
        }

        putAged(cache, blob(1, 100), 1);
        final String b = putAged(cache, blob(2, 100), 0);

        assertTrue(cache.get(a).isPresent(), "200 artifact bytes fit in 250; the other 3000 bytes do not count");
        assertTrue(cache.get(b).isPresent());
        assertTrue(Files.exists(temp) && Files.exists(foreign) && Files.exists(backup), "never deleted");
    }

    @Test
    void doesNotStoreAnArtifactLargerThanTheCache() {
        final ArtifactCache cache = new ArtifactCache(dir, 250);
        final String small = putAged(cache, blob(1, 100), 0);
        final byte[] big = blob(2, 251);

        cache.put(ArtifactCache.sha256Hex(big), big);

        assertEquals(Optional.empty(), cache.get(ArtifactCache.sha256Hex(big)));
        assertTrue(cache.get(small).isPresent(), "nothing evicted for an artifact that is not stored");
    }

    @Test
    void getOnADeletedDirectoryReturnsEmptyAndPutCreatesItAgain() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final byte[] model = blob(1, 100);
        final String sha = ArtifactCache.sha256Hex(model);
        Files.delete(dir);

        assertEquals(Optional.empty(), cache.get(sha));

        cache.put(sha, model);
        assertArrayEquals(model, cache.get(sha).orElseThrow());
    }

    @Test
    void ioFailuresAreLoggedAndNeverThrown() throws IOException {
        final ArtifactCache cache = new ArtifactCache(dir, LARGE);
        final byte[] model = blob(1, 100);
        final String sha = ArtifactCache.sha256Hex(model);
        // The directory becomes a plain file: nothing can be read from or written into it.
        Files.delete(dir);
        Files.write(dir, blob(2, 10));

        cache.put(sha, model);
        final Optional<byte[]> got = cache.get(sha);

        assertEquals(Optional.empty(), got);
        assertTrue(warnings().stream().anyMatch(w -> w.contains("cannot store")), warnings().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("cannot read")), warnings().toString());
    }

    @Test
    void concurrentPutsAndGetsOfSameAndDifferentKeysNeverExposeAPartialFile() throws Exception {
        // Two instances on one directory stand for two JVMs; nothing is evicted, so once a thread's
        // own put returned, its get must find whole bytes, whatever the other threads are writing.
        final ArtifactCache first = new ArtifactCache(dir, LARGE);
        final ArtifactCache second = new ArtifactCache(dir, LARGE);
        final List<byte[]> blobs = List.of(blob(1, 256 * 1024), blob(2, 256 * 1024), blob(3, 300 * 1024));

        hammer(List.of(first, second), blobs, true);

        assertOnlyWholeArtifacts(blobs.size());
    }

    @Test
    void concurrentPutsAndGetsWithEvictionLeaveOnlyValidFilesWithinTheLimit() throws Exception {
        final long max = 2L * 128 * 1024 + 1000;
        final ArtifactCache first = new ArtifactCache(dir, max);
        final ArtifactCache second = new ArtifactCache(dir, max);
        final List<byte[]> blobs = List.of(blob(1, 128 * 1024), blob(2, 128 * 1024), blob(3, 128 * 1024),
                blob(4, 128 * 1024));

        hammer(List.of(first, second), blobs, false);

        final int left = assertOnlyWholeArtifacts(-1);
        assertTrue(left <= 2, left + " artifacts left in a cache that holds 2");
    }

    /**
     * Six threads on {@code caches}, each putting and getting random {@code blobs}; every get must
     * yield the exact bytes or (only when {@code mustHit} is false) nothing.
     */
    private static void hammer(List<ArtifactCache> caches, List<byte[]> blobs, boolean mustHit) throws Exception {
        final int threads = 6;
        final CyclicBarrier start = new CyclicBarrier(threads);
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int id = t;
                done.add(pool.submit(() -> {
                    final Random random = new Random(id);
                    final ArtifactCache cache = caches.get(id % caches.size());
                    start.await();
                    for (int i = 0; i < 40; i++) {
                        final byte[] mine = blobs.get(random.nextInt(blobs.size()));
                        final String sha = ArtifactCache.sha256Hex(mine);
                        cache.put(sha, mine);
                        final Optional<byte[]> got = cache.get(sha);
                        if (mustHit || got.isPresent()) {
                            assertArrayEquals(mine, got.orElseThrow(() -> new AssertionError("miss after put")));
                        }
                        final byte[] other = blobs.get(random.nextInt(blobs.size()));
                        cache.get(ArtifactCache.sha256Hex(other))
                                .ifPresent(bytes -> assertArrayEquals(other, bytes, "whole bytes or none"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every file in the cache is a whole artifact under its own sha256; returns how many (checks it if >= 0). */
    private int assertOnlyWholeArtifacts(int expected) throws IOException {
        final List<String> names = files();
        for (String name : names) {
            assertTrue(name.matches("[0-9a-f]{64}\\.onnx"), "only artifacts, no temporary files: " + names);
            assertEquals(name.substring(0, 64), ArtifactCache.sha256Hex(Files.readAllBytes(dir.resolve(name))),
                    name);
        }
        if (expected >= 0) {
            assertEquals(expected, names.size(), names.toString());
        }
        return names.size();
    }

    /** Puts {@code bytes} and backdates the file {@code hoursAgo} hours, for a definite LRU order. */
    private String putAged(ArtifactCache cache, byte[] bytes, int hoursAgo) {
        final String sha = ArtifactCache.sha256Hex(bytes);
        cache.put(sha, bytes);
        if (hoursAgo > 0) {
            try {
                Files.setLastModifiedTime(dir.resolve(sha + ".onnx"),
                        FileTime.from(Instant.now().minus(hoursAgo, ChronoUnit.HOURS)));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return sha;
    }

    /** Sorted names of the files in the cache directory, hidden ones included. */
    private List<String> files() {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private List<String> warnings() {
        return log.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static byte[] blob(int seed, int size) {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
