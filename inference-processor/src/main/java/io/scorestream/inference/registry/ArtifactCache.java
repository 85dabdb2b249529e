package io.scorestream.inference.registry;

import io.scorestream.inference.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model artifacts on local disk, keyed by their SHA-256, so that a restart or a second instance on
 * the same machine does not fetch an artifact again.
 *
 * <p>Each artifact is one file {@code <lower-case sha256>.onnx} in {@link #directory()}. A file is
 * written under a temporary name (starting with {@code .}, ending with {@code .tmp}) in the same
 * directory and then renamed, so a reader, in this JVM or another, sees a whole file or none. Every
 * read is checked against the file's name: a file damaged on disk, or cut short by a crash before
 * it reached the disk, is deleted and reported absent, never returned.
 *
 * <p>The cache holds at most {@code maxBytes} of artifacts: after each {@link #put} the least
 * recently used ones (by last-modified time, which {@link #get} refreshes) are deleted until the
 * rest fit. Only files named like artifacts count and are ever deleted; temporary and other files
 * in the directory are left alone.
 *
 * <p>A cache must never stop a model from loading, so {@link #get} and {@link #put} do not throw for
 * I/O problems: they log a WARN and behave as a miss. They do throw {@link IllegalArgumentException}
 * for a malformed sha256 (it becomes a file name) and, in {@code put}, for bytes that do not hash to
 * the given sha256.
 *
 * <p>Thread-safe. Several registries and threads may share one instance, and several instances (in
 * one JVM or several) may share one directory: a concurrent eviction or replacement can at worst
 * turn a hit into a miss. Holds no open files between calls, so there is nothing to close.
 */
public final class ArtifactCache {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactCache.class);

    private static final String SUFFIX = ".onnx";
    /** The only names the cache reads, sizes or deletes; temporary files start with a dot. */
    private static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}\\.onnx");
    /** ASCII only: the key becomes a file name. */
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private final Path directory;
    private final long maxBytes;
    /** Keeps this instance's evictions from racing each other over one listing. */
    private final ReentrantLock evictionLock = new ReentrantLock();

    /**
     * A cache in {@code directory} (created if missing) keeping at most {@code maxBytes} of
     * artifacts. An artifact larger than {@code maxBytes} is not cached.
     *
     * @throws IllegalArgumentException when {@code maxBytes} is below 1
     * @throws UncheckedIOException when the directory cannot be created
     */
    public ArtifactCache(Path directory, long maxBytes) {
        Objects.requireNonNull(directory, "directory");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(this.directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the artifact cache directory " + this.directory, e);
        }
    }

    /** The directory holding the cached files, absolute. */
    public Path directory() {
        return directory;
    }

    /**
     * The cached bytes whose SHA-256 is {@code sha256Hex} (any case), or empty. A cached file whose
     * content no longer hashes to its name is deleted and treated as absent (WARN log naming the
     * file). A hit refreshes the file's last-modified time, which orders eviction. Never throws for
     * I/O problems (a missing directory included): logs WARN and returns empty.
     *
     * @return a new array the caller owns, or empty on a miss
     * @throws IllegalArgumentException when {@code sha256Hex} is not 64 hex digits
     */
    public Optional<byte[]> get(String sha256Hex) {
        final String key = key(sha256Hex);
        final Path file = directory.resolve(key + SUFFIX);
        final byte[] bytes;
        try {
            final BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                LOG.warn("Artifact cache: {} is not a regular file; treating it as absent", file);
                return Optional.empty();
            }
            if (attrs.size() > RegistrySettings.MAX_ARRAY_BYTES) {
                // No put can have written it, and reading it would fail with an OutOfMemoryError.
                LOG.warn("Artifact cache: {} is {} bytes, more than any artifact; deleting it", file, attrs.size());
                deleteQuietly(file);
                return Optional.empty();
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            LOG.debug("Artifact cache: no {}", file);
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            LOG.warn("Artifact cache: cannot read {}; treating it as absent: {}", file, e.toString());
            return Optional.empty();
        }
        final String actual = Sha256.hex(bytes);
        if (!actual.equals(key)) {
            // Should a put from elsewhere have just replaced it with a good file, deleting that only
            // costs one fetch: a miss, never wrong bytes.
            LOG.warn("Artifact cache: {} is corrupt (its {} bytes hash to {}); deleting it and treating it as absent",
                    file, bytes.length, actual);
            deleteQuietly(file);
            return Optional.empty();
        }
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException | SecurityException e) {
            // Only the eviction order suffers; the file may also have been evicted since it was read.
            LOG.debug("Artifact cache: cannot refresh the last-modified time of {}: {}", file, e.toString());
        }
        return Optional.of(bytes);
    }

    /**
     * Stores {@code bytes} under {@code sha256Hex} (any case), replacing any file of that name. The
     * bytes go to a temporary file in the cache directory first, which is then moved into place
     * atomically where the file system can ({@code ATOMIC_MOVE}, otherwise {@code
     * REPLACE_EXISTING}). Afterwards least-recently-used artifacts are evicted until the cache
     * holds at most {@code maxBytes}; the one just written is never evicted. Bytes larger than
     * {@code maxBytes} are not stored. A missing directory is created again. I/O failures are
     * logged (WARN) and otherwise ignored.
     *
     * @param bytes not kept: the caller may change the array afterwards
     * @throws IllegalArgumentException when {@code sha256Hex} is not 64 hex digits, or when
     *     {@code bytes} do not hash to it (the message names both hashes)
     */
    public void put(String sha256Hex, byte[] bytes) {
        final String key = key(sha256Hex);
        Objects.requireNonNull(bytes, "bytes");
        final String actual = Sha256.hex(bytes);
        if (!actual.equals(key)) {
            throw new IllegalArgumentException("refusing to cache bytes whose sha256 is " + actual + " under sha256 "
                    + key);
        }
        if (bytes.length > maxBytes) {
            LOG.info("Artifact cache: not caching {} ({} bytes): larger than the cache ({} bytes)", key,
                    bytes.length, maxBytes);
            return;
        }
        final Path file = directory.resolve(key + SUFFIX);
        // A name of our own rather than createTempFile: that one is owner-only, and the cache may be
        // shared with processes of other users.
        final Path temp = directory.resolve("." + key + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean created = false;
        try {
            Files.createDirectories(directory);
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                created = true;
                out.write(bytes);
            }
            // No fsync: a file cut short by a crash fails the hash check of the next get.
            move(temp, file);
            created = false;
            LOG.debug("Artifact cache: stored {} ({} bytes)", file, bytes.length);
        } catch (IOException | SecurityException e) {
            LOG.warn("Artifact cache: cannot store {}; the artifact stays uncached: {}", file, e.toString());
            return;
        } finally {
            if (created) {
                deleteQuietly(temp);
            }
        }
        evictBeyondLimit(key + SUFFIX);
    }

    /** A static helper: lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return Sha256.hex(Objects.requireNonNull(bytes, "bytes"));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes the oldest artifacts, except {@code keepName}, until the rest fit in {@code maxBytes}. */
    private void evictBeyondLimit(String keepName) {
        evictionLock.lock();
        try {
            final List<Entry> entries = new ArrayList<>();
            long total = 0;
            try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory)) {
                for (Path path : listing) {
                    if (!ENTRY.matcher(path.getFileName().toString()).matches()) {
                        continue;
                    }
                    final BasicFileAttributes attrs;
                    try {
                        attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException e) {
                        continue; // deleted meanwhile, by another instance
                    }
                    if (attrs.isRegularFile()) {
                        entries.add(new Entry(path, attrs.size(), attrs.lastModifiedTime()));
                        total += attrs.size();
                    }
                }
            }
            if (total <= maxBytes) {
                return;
            }
            entries.sort(Comparator.comparing(Entry::lastUsed).thenComparing(Entry::path));
            for (Entry entry : entries) {
                if (total <= maxBytes) {
                    break;
                }
                if (entry.path().getFileName().toString().equals(keepName)) {
                    continue;
                }
                if (deleteQuietly(entry.path())) {
                    LOG.info("Artifact cache: evicted {} ({} bytes, last used {}) to stay within {} bytes",
                            entry.path().getFileName(), entry.size(), entry.lastUsed(), maxBytes);
                }
                // Counted as gone even if another instance deleted it first.
                total -= entry.size();
            }
        } catch (IOException | SecurityException e) {
            LOG.warn("Artifact cache: cannot evict from {}; it may exceed {} bytes: {}", directory, maxBytes,
                    e.toString());
        } finally {
            evictionLock.unlock();
        }
    }

    /** Whether this call deleted {@code path}; a failure is logged, never thrown. */
    private static boolean deleteQuietly(Path path) {
        try {
            return Files.deleteIfExists(path);
        } catch (IOException | SecurityException e) {
            LOG.warn("Artifact cache: cannot delete {}: {}", path, e.toString());
            return false;
        }
    }

    /** {@code sha256Hex} in lower case, checked to be safe as a file name. */
    private static String key(String sha256Hex) {
        if (sha256Hex == null || !SHA256.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 hex digits, got " + shown(sha256Hex));
        }
        return sha256Hex.toLowerCase(Locale.ROOT);
    }

    private static String shown(String text) {
        if (text == null) {
            return "null";
        }
        return "'" + (text.length() > 100 ? text.substring(0, 100) + "..." : text) + "'";
    }

    private record Entry(Path path, long size, FileTime lastUsed) {
    }
}
