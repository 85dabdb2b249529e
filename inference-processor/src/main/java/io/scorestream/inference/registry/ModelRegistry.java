package io.scorestream.inference.registry;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.ScoringModel;
import io.scorestream.schemas.ModelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live version of every model, fed from the model topic and read by the scoring tasks.
 *
 * <p><b>Loading.</b> {@link #submit} queues a spec (or a tombstone) for one internal daemon thread,
 * {@value #LOADER_THREAD_NAME}, which handles them in submission order: it gets the artifact
 * (inline, or through the {@link ArtifactFetcher} within the {@link RegistrySettings} limits),
 * verifies and loads it ({@link ScoringModel#create}), validates it against every feature schema
 * registered for the model, warms it up, and only then swaps it in. If any step fails the version
 * is refused (logged, told to the {@link RegistryListener}, kept as {@link #lastRefusal}) and the
 * previous version keeps serving. Of several specs queued for one name only the newest is loaded;
 * a spec equal in version and sha256 to the live one is ignored, so re-reading the compacted topic
 * reloads nothing.
 *
 * <p><b>Using a model.</b> {@link #acquire} leases the live version; the lease keeps that version
 * open until it is closed, even if a newer version is swapped in or the model is retired
 * meanwhile. A version that stops being live is closed (its native session freed) when its last
 * lease is released, on the releasing thread.
 *
 * <p><b>Threading.</b> All public methods are thread-safe. {@link #submit} and
 * {@link #registerFeatureSchema} never wait for a load; {@link #acquire} is lock-free. Listener
 * calls happen on the loader thread.
 *
 * <p><b>Lifecycle and ownership.</b> The loader thread starts in the constructor. The registry owns
 * the models it loads; it does not own the {@link OnnxModelLoader}, the fetcher or the listener.
 * {@link #close()} stops the loader and retires every model; a model still leased is closed when
 * its lease is released.
 */
public final class ModelRegistry implements AutoCloseable {

    /** Name of the loader thread. */
    public static final String LOADER_THREAD_NAME = "scorestream-model-loader";

    /** Stack size of the loader thread (see the constructor). */
    static final long LOADER_STACK_BYTES = 16L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final RegistrySettings settings;
    private final OnnxModelLoader loader;
    private final ArtifactFetcher fetcher;
    private final RegistryListener listener;
    private final Clock clock = Clock.systemUTC();

    private final ConcurrentMap<String, LiveVersion> live = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Refusal> refusals = new ConcurrentHashMap<>();

    /**
     * Orders swaps, retirements, schema registrations and close against each other. Never held
     * while fetching, loading or warming up, nor by {@link #acquire}.
     */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition liveChanged = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final Map<String, Set<Schema>> featureSchemas = new HashMap<>();
    /** Written under {@link #lock}. */
    private volatile boolean closed;

    private final BlockingQueue<Submission> queue = new LinkedBlockingQueue<>();
    /** Per name, the sequence number of its newest submission; older ones are skipped. */
    private final ConcurrentMap<String, Long> newestSubmission = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Thread loaderThread;

    /** A spec (null: a tombstone) waiting for the loader thread. */
    private record Submission(String name, ModelSpec spec, long sequence) {
    }

    /**
     * Creates the registry and starts its loader thread.
     *
     * @param settings fetch limits, verification and warm-up
     * @param loader session factory; not closed by the registry
     * @param fetcher reads {@code artifact_uri}s, see {@link DefaultArtifactFetcher}
     * @param listener told of loads, refusals, swaps and retirements; {@link RegistryListener#NONE}
     *     for none
     */
    public ModelRegistry(RegistrySettings settings, OnnxModelLoader loader, ArtifactFetcher fetcher,
                         RegistryListener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.listener = Objects.requireNonNull(listener, "listener");
        // ONNX Runtime's session creation (graph parsing and optimisation) needs more native stack
        // than the JVM's default 1 MiB thread stack leaves it: seen to crash the JVM with SIGSEGV.
        this.loaderThread = new Thread(null, this::runLoader, LOADER_THREAD_NAME, LOADER_STACK_BYTES);
        loaderThread.setDaemon(true);
        loaderThread.start();
    }

    /**
     * Queues a spec, or a tombstone, read from the model topic. Returns at once; the work happens on
     * the loader thread. Ignored after {@link #close()}.
     *
     * @param name the record key: the model name; not null
     * @param specOrNull the new version, or null to retire {@code name}. A spec whose
     *     {@code name} differs from {@code name} is refused ({@code INVALID_SPEC}). The registry
     *     keeps a reference to it; do not modify it afterwards.
     */
    public void submit(String name, ModelSpec specOrNull) {
        Objects.requireNonNull(name, "name");
        if (closed) {
            LOG.debug("Registry closed: ignoring {} for model '{}'", specOrNull == null ? "a tombstone" : "a spec",
                    name);
            return;
        }
        final long seq = sequence.incrementAndGet();
        newestSubmission.merge(name, seq, Math::max);
        queue.add(new Submission(name, specOrNull, seq));
    }

    /**
     * Leases the live version of {@code name}. Close the lease when the batch is done; until then
     * its model stays open. Lock-free.
     *
     * @return the lease, or null when no version of {@code name} is live
     */
    public ModelLease acquire(String name) {
        Objects.requireNonNull(name, "name");
        for (;;) {
            final LiveVersion version = live.get(name);
            if (version == null) {
                return null;
            }
            if (version.tryRetain()) {
                if (!version.isRetired()) {
                    return new ModelLease(version);
                }
                // Swapped out between the read and the retain: hand it back and take its successor.
                version.release();
            }
            // A version is retired only after it left the map, so the next read sees something else.
        }
    }

    /**
     * Waits until a version of {@code name} is live.
     *
     * @return true once one is; false if {@code timeout} passed first or the registry was closed
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public boolean awaitLive(String name, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timeout, "timeout");
        if (live.containsKey(name)) {
            return true;
        }
        long remaining = saturatedNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (!live.containsKey(name)) {
                if (remaining <= 0 || closed) {
                    return false;
                }
                remaining = liveChanged.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The live version of {@code name}, if any. */
    public Optional<LiveModelInfo> live(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(live.get(name)).map(LiveVersion::info);
    }

    /** A snapshot of every live model by name, sorted by name; unmodifiable. */
    public Map<String, LiveModelInfo> liveModels() {
        final Map<String, LiveModelInfo> out = new TreeMap<>();
        live.forEach((name, version) -> out.put(name, version.info()));
        return Collections.unmodifiableMap(out);
    }

    /** The last version of {@code name} that was refused, if any, even if a later one loaded. */
    public Optional<Refusal> lastRefusal(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(refusals.get(name));
    }

    /**
     * Remembers a writer schema of the feature records scored by {@code modelName}; registering the
     * same schema again changes nothing. Every later version of the model is validated against all
     * of them before it goes live. If the version live now cannot read records of {@code schema}, a
     * warning says so (such records will fail to score); it stays live.
     */
    public void registerFeatureSchema(String modelName, Schema schema) {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(schema, "schema");
        final boolean added;
        lock.lock();
        try {
            added = featureSchemas.computeIfAbsent(modelName, k -> new LinkedHashSet<>()).add(schema);
        } finally {
            lock.unlock();
        }
        if (!added) {
            return;
        }
        LOG.info("Feature schema {} registered for model '{}'", schema.getFullName(), modelName);
        // Versions swapped in from now on check the schema themselves (under the lock); the one live
        // now, if any, is checked here.
        try (ModelLease lease = acquire(modelName)) {
            if (lease != null) {
                lease.model().validateFeatureSchema(schema);
            }
        } catch (ModelLoadException e) {
            LOG.warn("The live version of model '{}' cannot score records of feature schema {}: {}",
                    modelName, schema.getFullName(), e.getMessage());
        }
    }

    /**
     * Stops the loader thread (interrupting a fetch in progress and waiting a bounded time for it),
     * drops queued work and retires every model; leased models close when released. Idempotent.
     */
    @Override
    public void close() {
        final List<LiveVersion> retiring;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            retiring = new ArrayList<>(live.values());
            live.clear();
            liveChanged.signalAll();
        } finally {
            lock.unlock();
        }
        loaderThread.interrupt();
        if (Thread.currentThread() != loaderThread) {
            try {
                loaderThread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (loaderThread.isAlive()) {
                LOG.warn("The model loader did not stop within {} ms; the version it is loading will be "
                        + "closed, not swapped in, when it finishes", CLOSE_TIMEOUT.toMillis());
            }
        }
        queue.clear();
        for (LiveVersion version : retiring) {
            version.retire();
        }
        LOG.info("Model registry closed; {} model(s) retired", retiring.size());
    }

    // ---- the loader thread -------------------------------------------------------------------

    private void runLoader() {
        try {
            while (!closed) {
                final Submission next = queue.take();
                if (next.sequence() < newestSubmission.getOrDefault(next.name(), 0L)) {
                    LOG.debug("Skipping a queued spec for model '{}': a newer one is queued", next.name());
                    continue;
                }
                try {
                    handle(next.name(), next.spec(), next.sequence());
                } catch (RuntimeException e) {
                    // The loader must outlive any one bad submission.
                    LOG.error("Unexpected failure handling model '{}'", next.name(), e);
                }
            }
        } catch (InterruptedException e) {
            // close() stops us this way; nothing to restore, the thread ends here.
        }
        for (HeldBack h : heldBack.values()) {
            h.model().close();
        }
        heldBack.clear();
        LOG.debug("Model loader stopped");
    }

    private void handle(String name, ModelSpec spec, long sequence) {
        if (spec == null) {
            closeHeldBack(name);
            retire(name);
            return;
        }
        final String version = String.valueOf(spec.getVersion());
        final long start = System.nanoTime();
        ScoringModel model = null;
        try {
            if (!name.equals(spec.getName())) {
                throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                        "the spec names model '" + spec.getName() + "' but its record key is '" + name + "'");
            }
            final LiveVersion current = live.get(name);
            if (current != null && isSameVersion(current.info(), spec)) {
                LOG.debug("Model '{}' version '{}' with this sha256 is already live; nothing to do", name, version);
                closeHeldBack(name);
                return;
            }
            final byte[] artifact = artifactOf(name, version, spec);
            model = ScoringModel.create(spec, artifact, loader, settings.requireSha256());
            final List<Schema> checked = featureSchemasOf(name);
            for (Schema schema : checked) {
                model.validateFeatureSchema(schema);
            }
            model.warmUp(settings.warmUpRows());
            if (sequence < newestSubmission.getOrDefault(name, 0L)) {
                // A newer spec arrived while this one loaded (e.g. an instance starting up replays the
                // model topic: version 1, then 2). Going live now would score with a superseded
                // version until the newer one loads. Hold it back: it goes live only if the newer
                // one is refused.
                LOG.info("Model '{}' version '{}' is ready but a newer spec was published meanwhile; holding it "
                        + "back until that one is loaded or refused", name, version);
                closeHeldBack(name);
                heldBack.put(name, new HeldBack(model, checked, System.nanoTime() - start));
                model = null;
                return;
            }
            if (swapIn(name, model, checked, System.nanoTime() - start)) {
                model = null;
                closeHeldBack(name);
            }
        } catch (ModelLoadException e) {
            refuse(name, version, e.reason(), e.getMessage(), null);
            promoteHeldBack(name, sequence);
        } catch (RuntimeException | LinkageError e) {
            final ModelLoadException wrapped = new ModelLoadException(name, version,
                    ModelLoadException.Reason.UNSUPPORTED_MODEL, "unexpected " + e, e);
            refuse(name, version, wrapped.reason(), wrapped.getMessage(), e);
            promoteHeldBack(name, sequence);
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    /** A version that loaded fine but was superseded while loading; touched by the loader thread only. */
    private record HeldBack(ScoringModel model, List<Schema> checked, long loadNanos) {
    }

    private final Map<String, HeldBack> heldBack = new HashMap<>();

    private void closeHeldBack(String name) {
        final HeldBack h = heldBack.remove(name);
        if (h != null) {
            h.model().close();
        }
    }

    /** The newest spec was refused: the version held back for it, if any, goes live instead. */
    private void promoteHeldBack(String name, long sequence) {
        if (sequence < newestSubmission.getOrDefault(name, 0L)) {
            return;
        }
        final HeldBack h = heldBack.remove(name);
        if (h == null) {
            return;
        }
        LOG.info("Model '{}': the newest spec was refused, so version '{}' (held back while it loaded) goes live",
                name, h.model().version());
        try {
            if (!swapIn(name, h.model(), h.checked(), h.loadNanos())) {
                h.model().close();
            }
        } catch (ModelLoadException e) {
            h.model().close();
            refuse(name, h.model().version(), e.reason(), e.getMessage(), null);
        }
    }

    /** Same version label and same sha256 (both absent counts as same: versions are unique per name). */
    private static boolean isSameVersion(LiveModelInfo live, ModelSpec spec) {
        if (!live.version().equals(spec.getVersion())) {
            return false;
        }
        final String sha = spec.getSha256();
        return sha == null ? live.spec().getSha256() == null : sha.trim().equalsIgnoreCase(live.sha256());
    }

    private byte[] artifactOf(String name, String version, ModelSpec spec) {
        final String uriText = spec.getArtifactUri();
        final ByteBuffer inline = spec.getArtifactBytes();
        if ((uriText == null) == (inline == null)) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "exactly one of artifact_uri and artifact_bytes must be set, but "
                            + (uriText == null ? "neither is" : "both are"));
        }
        if (inline != null) {
            // duplicate(): the spec's buffer position stays where it was.
            final ByteBuffer view = inline.duplicate();
            final byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            return bytes;
        }
        final URI uri;
        try {
            uri = new URI(uriText.trim());
        } catch (URISyntaxException e) {
            // The text itself may hold credentials, so only the reason and position are shown.
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "artifact_uri is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        try {
            settings.checkAllowed(uri);
            final byte[] bytes = fetcher.fetch(uri, settings.maxArtifactBytes(), settings.fetchTimeout());
            if (bytes == null) {
                throw new ArtifactException(uri, "the fetcher returned nothing");
            }
            if (bytes.length > settings.maxArtifactBytes()) {
                throw new ArtifactException(uri, "the fetcher returned " + bytes.length + " bytes; the limit is "
                        + settings.maxArtifactBytes() + " bytes (maxArtifactBytes)");
            }
            return bytes;
        } catch (ArtifactException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.ARTIFACT_UNAVAILABLE,
                    e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.ARTIFACT_UNAVAILABLE,
                    "artifact " + Uris.redact(uri) + ": the fetch failed: " + e.getClass().getSimpleName() + ": "
                            + Uris.scrub(String.valueOf(e.getMessage()), uri), e);
        }
    }

    private List<Schema> featureSchemasOf(String name) {
        lock.lock();
        try {
            return List.copyOf(featureSchemas.getOrDefault(name, Set.of()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes {@code model} the live version of {@code name} and retires the previous one.
     *
     * @return false, leaving {@code model} to the caller, if the registry was closed meanwhile
     * @throws ModelLoadException if a feature schema registered during the load does not fit
     */
    private boolean swapIn(String name, ScoringModel model, List<Schema> checked, long loadNanos) {
        final LiveVersion fresh;
        final LiveVersion previous;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            // Schemas registered while this version loaded are checked here, under the lock that
            // registerFeatureSchema takes, so no schema slips between validation and swap.
            for (Schema schema : featureSchemas.getOrDefault(name, Set.of())) {
                if (!checked.contains(schema)) {
                    model.validateFeatureSchema(schema);
                }
            }
            fresh = new LiveVersion(model, new LiveModelInfo(name, model.version(), model.sha256(),
                    model.executionDevice(), clock.instant(), model.spec()));
            previous = live.put(name, fresh);
            liveChanged.signalAll();
        } finally {
            lock.unlock();
        }
        final String oldVersion = previous == null ? null : previous.info().version();
        final long millis = TimeUnit.NANOSECONDS.toMillis(loadNanos);
        if (previous == null) {
            LOG.info("Model '{}' version '{}' is live on {} (loaded in {} ms)", name, model.version(),
                    model.executionDevice(), millis);
        } else {
            LOG.info("Model '{}' version '{}' is live on {} (loaded in {} ms), replacing version '{}'", name,
                    model.version(), model.executionDevice(), millis, oldVersion);
        }
        if (previous != null) {
            previous.retire();
        }
        tell("onLoaded", () -> listener.onLoaded(name, model.version(), loadNanos, model.executionDevice()));
        tell("onSwapped", () -> listener.onSwapped(name, oldVersion, model.version()));
        return true;
    }

    private void retire(String name) {
        final LiveVersion previous;
        lock.lock();
        try {
            previous = live.remove(name);
        } finally {
            lock.unlock();
        }
        if (previous == null) {
            LOG.info("Tombstone for model '{}': no version of it is live", name);
            return;
        }
        final String version = previous.info().version();
        LOG.info("Model '{}' version '{}' retired (tombstone); it closes when its last batch finishes", name, version);
        previous.retire();
        tell("onRetired", () -> listener.onRetired(name, version));
    }

    private void refuse(String name, String version, ModelLoadException.Reason reason, String message,
                        Throwable unexpected) {
        if (closed) {
            LOG.debug("Registry closing; not reporting: {}", message);
            return;
        }
        final LiveVersion current = live.get(name);
        final String consequence = current == null
                ? "no version of it is live"
                : "version '" + current.info().version() + "' keeps serving";
        if (unexpected != null) {
            LOG.warn("{}; {}", message, consequence, unexpected);
        } else {
            LOG.warn("{}; {}", message, consequence);
        }
        refusals.put(name, new Refusal(name, version, reason, message, clock.instant()));
        tell("onRefused", () -> listener.onRefused(name, version, reason.tag(), message));
    }

    private static void tell(String method, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("RegistryListener.{} threw; ignored", method, e);
        }
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
