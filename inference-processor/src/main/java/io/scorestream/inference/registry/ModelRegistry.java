package io.scorestream.inference.registry;

import io.scorestream.inference.ModelLoadException;
import io.scorestream.inference.OnnxModelLoader;
import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.signing.SpecSignatureException;
import io.scorestream.inference.signing.TrustedKeys;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Rollout;
import io.scorestream.schemas.RolloutRole;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * {@value #LOADER_THREAD_NAME}, which handles them in submission order: it checks the spec's
 * signature against the {@linkplain RegistrySettings#trustedKeys() trusted keys} (before anything
 * is fetched; {@code BAD_SIGNATURE}), gets the artifact (inline, or through the {@link ArtifactFetcher} within the {@link RegistrySettings} limits),
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
    private final RegistryListener listener;
    private final Clock clock = Clock.systemUTC();

    private final ConcurrentMap<String, LiveSet> live = new ConcurrentHashMap<>();
    /** Inline or fetched artifacts, through the optional on-disk cache. */
    private final ArtifactSource artifacts;
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
        this(settings, loader, fetcher, listener, null);
    }

    /**
     * Creates the registry with an on-disk artifact cache and starts its loader thread. An artifact
     * fetched from a URI whose spec names a sha256 is looked up in {@code cacheOrNull} first and
     * stored there after it verified, so a restart or a second instance on the machine does not
     * fetch it again. Inline artifacts are not cached.
     *
     * @param cacheOrNull the cache; null for none. Not owned (nothing to close).
     */
    public ModelRegistry(RegistrySettings settings, OnnxModelLoader loader, ArtifactFetcher fetcher,
                         RegistryListener listener, ArtifactCache cacheOrNull) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.artifacts = new ArtifactSource(settings, fetcher, cacheOrNull);
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
     * Leases the stable version of {@code name} (a candidate, if any, is ignored). Close the lease
     * when the batch is done; until then its model stays open. Lock-free.
     *
     * @return the lease, or null when no version of {@code name} is live
     */
    public ModelLease acquire(String name) {
        Objects.requireNonNull(name, "name");
        for (;;) {
            final LiveSet set = live.get(name);
            if (set == null) {
                return null;
            }
            if (retainLive(set.stable())) {
                return new ModelLease(set.stable());
            }
            // Swapped out between the read and the retain: a version is retired only after the set
            // holding it left the map, so the next read sees its successor.
        }
    }

    /**
     * Leases what is live for {@code name}: the stable version and, during a rollout, the candidate
     * with its role, as one consistent arrangement. Lock-free.
     *
     * @return the lease, or null when no version of {@code name} is live
     */
    public RolloutLease acquireRollout(String name) {
        Objects.requireNonNull(name, "name");
        for (;;) {
            final LiveSet set = live.get(name);
            if (set == null) {
                return null;
            }
            if (!retainLive(set.stable())) {
                continue;
            }
            if (set.candidate() != null && !retainLive(set.candidate())) {
                set.stable().release();
                continue;
            }
            return new RolloutLease(new ModelLease(set.stable()),
                    set.candidate() == null ? null : new ModelLease(set.candidate()), set.role(), set.canaryPercent());
        }
    }

    /** Counts a user of {@code v} if it is still live; false (and nothing retained) if it was retired. */
    private static boolean retainLive(LiveVersion v) {
        if (!v.tryRetain()) {
            return false;
        }
        if (v.isRetired()) {
            v.release();
            return false;
        }
        return true;
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

    /** The live stable version of {@code name}, if any. */
    public Optional<LiveModelInfo> live(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(live.get(name)).map(set -> set.stable().info());
    }

    /** What is live for {@code name}, stable version and candidate, if anything is. */
    public Optional<LiveRollout> rollout(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(live.get(name)).map(LiveSet::info);
    }

    /** A snapshot of every live stable version by name, sorted by name; unmodifiable. */
    public Map<String, LiveModelInfo> liveModels() {
        final Map<String, LiveModelInfo> out = new TreeMap<>();
        live.forEach((name, set) -> out.put(name, set.stable().info()));
        return Collections.unmodifiableMap(out);
    }

    /** A snapshot of what is live for every name, with candidates, sorted by name; unmodifiable. */
    public Map<String, LiveRollout> rollouts() {
        final Map<String, LiveRollout> out = new TreeMap<>();
        live.forEach((name, set) -> out.put(name, set.info()));
        return Collections.unmodifiableMap(out);
    }

    /** The last version of {@code name} that was refused, if any, even if a later one loaded. */
    public Optional<Refusal> lastRefusal(String name) {
        Objects.requireNonNull(name, "name");
        return Optional.ofNullable(refusals.get(name));
    }

    /**
     * Remembers a writer schema of the feature records scored by {@code modelName}; registering the
     * same schema again changes nothing. Every later version of the model (candidates included) is
     * validated against all of them before it goes live. If a version live now cannot read records
     * of {@code schema}, a warning says so (such records will fail to score); it stays live.
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
        // Versions swapped in from now on check the schema themselves (under the lock); those live
        // now, if any, are checked here.
        try (RolloutLease lease = acquireRollout(modelName)) {
            if (lease != null) {
                for (ModelLease v : lease.candidate() == null ? List.of(lease.stable())
                        : List.of(lease.stable(), lease.candidate())) {
                    try {
                        v.model().validateFeatureSchema(schema);
                    } catch (ModelLoadException e) {
                        LOG.warn("Live version '{}' of model '{}' cannot score records of feature schema {}: {}",
                                v.model().version(), modelName, schema.getFullName(), e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * Stops the loader thread (interrupting a fetch in progress and waiting a bounded time for it),
     * drops queued work and retires every model; leased models close when released. Idempotent.
     */
    @Override
    public void close() {
        final List<LiveSet> retiring;
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
        for (LiveSet set : retiring) {
            set.retireAll();
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
        for (Prepared p : heldBack.values()) {
            p.closeFresh();
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
        Prepared prepared = null;
        try {
            checkSpec(name, spec);
            checkSignature(name, spec);
            final LiveSet current = live.get(name);
            if (current != null && current.matches(spec)) {
                LOG.debug("Model '{}' version '{}' with this sha256 and rollout is already live; nothing to do", name,
                        version);
                closeHeldBack(name);
                return;
            }
            prepared = prepare(name, spec, current);
            prepared.loadNanos = System.nanoTime() - start;
            if (sequence < newestSubmission.getOrDefault(name, 0L)) {
                // A newer spec arrived while this one loaded (e.g. an instance starting up replays the
                // model topic: version 1, then 2). Going live now would score with a superseded
                // version until the newer one loads. Hold it back: it goes live only if the newer
                // one is refused.
                LOG.info("Model '{}' version '{}' is ready but a newer spec was published meanwhile; holding it "
                        + "back until that one is loaded or refused", name, version);
                closeHeldBack(name);
                heldBack.put(name, prepared);
                prepared = null;
                return;
            }
            if (swapIn(name, prepared)) {
                prepared = null;
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
            if (prepared != null) {
                prepared.closeFresh();
            }
        }
    }

    /** The checks a spec's shape must pass before anything is fetched. */
    private static void checkSpec(String name, ModelSpec spec) {
        final String version = String.valueOf(spec.getVersion());
        if (!name.equals(spec.getName())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    "the spec names model '" + spec.getName() + "' but its record key is '" + name + "'");
        }
        final Rollout rollout = spec.getRollout();
        if (rollout == null) {
            return;
        }
        final ModelSpec candidate = rollout.getCandidate();
        final String where = "the rollout of version '" + version + "'";
        if (rollout.getRole() == null || candidate == null) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    where + " needs a role and a candidate");
        }
        if (!name.equals(candidate.getName())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    where + " names candidate model '" + candidate.getName() + "'; it must be '" + name + "'");
        }
        if (version.equals(candidate.getVersion())) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    where + " has a candidate of the same version; a candidate must be another version");
        }
        if (candidate.getRollout() != null) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    where + ": candidate version '" + candidate.getVersion() + "' has a rollout of its own");
        }
        final double pct = rollout.getCanaryPercent();
        if (rollout.getRole() == RolloutRole.CANARY && !(pct >= 0 && pct <= 100)) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.INVALID_SPEC,
                    where + " has canary_percent " + pct + "; it must be within [0, 100]");
        }
    }

    /**
     * The signature check, before anything is fetched: with {@link RegistrySettings#signatureRequired()}
     * the spec must carry a sha256 (and so must its candidate: a signature over a URI alone does not
     * pin the model's bytes) and a signature of a trusted key that matches it; with trusted keys but
     * signatures not required, an unsigned spec passes and a signed one must verify. Without trusted
     * keys nothing is checked.
     */
    private void checkSignature(String name, ModelSpec spec) {
        final TrustedKeys keys = settings.trustedKeys();
        final boolean required = settings.signatureRequired();
        if (keys.isEmpty() || (!required && spec.getSignature() == null)) {
            return;
        }
        final String version = String.valueOf(spec.getVersion());
        if (required) {
            requireSha256ForSignature(name, version, spec, "");
            if (spec.getRollout() != null && spec.getRollout().getCandidate() != null) {
                final ModelSpec candidate = spec.getRollout().getCandidate();
                requireSha256ForSignature(name, version, candidate,
                        " (candidate version '" + candidate.getVersion() + "')");
            }
        }
        try {
            final String keyId = keys.verify(spec);
            LOG.debug("Model '{}' version '{}': signature of key id {} verified", name, version, keyId);
        } catch (SpecSignatureException e) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.BAD_SIGNATURE, e.getMessage());
        }
    }

    private static void requireSha256ForSignature(String name, String version, ModelSpec spec, String which) {
        if (spec.getSha256() == null || spec.getSha256().isBlank()) {
            throw new ModelLoadException(name, version, ModelLoadException.Reason.BAD_SIGNATURE,
                    "the spec" + which + " has no sha256, and signatures are required: a signature without it "
                            + "does not pin the model's bytes");
        }
    }

    /**
     * Gets everything {@code spec} needs ready to go live: versions already live (as stable or
     * candidate) with the same identity are reused as they are (a promotion or a rollback loads
     * nothing); the others are fetched, loaded, validated and warmed up.
     */
    private Prepared prepare(String name, ModelSpec spec, LiveSet current) {
        final Prepared p = new Prepared(spec);
        try {
            final ModelSpec stableSpec = withoutRollout(spec);
            p.stable = current == null ? null : current.find(stableSpec);
            if (p.stable == null) {
                p.freshStable = load(name, stableSpec);
            }
            final Rollout rollout = spec.getRollout();
            if (rollout != null) {
                final ModelSpec candidateSpec = rollout.getCandidate();
                p.candidate = current == null ? null : current.find(candidateSpec);
                if (p.candidate == null) {
                    p.freshCandidate = load(name, candidateSpec);
                }
            }
            return p;
        } catch (RuntimeException | LinkageError e) {
            p.closeFresh();
            throw e;
        }
    }

    private Loaded load(String name, ModelSpec spec) {
        final byte[] artifact = artifacts.bytesOf(name, String.valueOf(spec.getVersion()), spec);
        final ScoringModel model = ScoringModel.create(spec, artifact, loader, settings.requireSha256());
        try {
            final List<Schema> checked = featureSchemasOf(name);
            for (Schema schema : checked) {
                model.validateFeatureSchema(schema);
            }
            model.warmUp(settings.warmUpRows());
            return new Loaded(model, checked);
        } catch (RuntimeException | LinkageError e) {
            model.close();
            throw e;
        }
    }

    /** {@code spec} without its rollout: what the stable version itself is. */
    private static ModelSpec withoutRollout(ModelSpec spec) {
        if (spec.getRollout() == null) {
            return spec;
        }
        final ModelSpec copy = ModelSpec.newBuilder(spec).build();
        copy.setRollout(null);
        return copy;
    }

    /** A version freshly loaded for a spec, with the feature schemas it was validated against. */
    private record Loaded(ScoringModel model, List<Schema> checked) {
    }

    /**
     * What a spec needs to go live: for the stable version and the candidate, either a version
     * already live (reused) or one freshly loaded (owned by this object until swapped in). Touched
     * by the loader thread only.
     */
    private static final class Prepared {
        final ModelSpec spec;
        LiveVersion stable;
        Loaded freshStable;
        LiveVersion candidate;
        Loaded freshCandidate;
        long loadNanos;

        Prepared(ModelSpec spec) {
            this.spec = spec;
        }

        void closeFresh() {
            if (freshStable != null) {
                freshStable.model().close();
                freshStable = null;
            }
            if (freshCandidate != null) {
                freshCandidate.model().close();
                freshCandidate = null;
            }
        }
    }

    /** Versions that loaded fine but were superseded while loading, by name; loader thread only. */
    private final Map<String, Prepared> heldBack = new HashMap<>();

    private void closeHeldBack(String name) {
        final Prepared p = heldBack.remove(name);
        if (p != null) {
            p.closeFresh();
        }
    }

    /** The newest spec was refused: the spec held back for it, if any, goes live instead. */
    private void promoteHeldBack(String name, long sequence) {
        if (sequence < newestSubmission.getOrDefault(name, 0L)) {
            return;
        }
        final Prepared p = heldBack.remove(name);
        if (p == null) {
            return;
        }
        LOG.info("Model '{}': the newest spec was refused, so version '{}' (held back while it loaded) goes live",
                name, p.spec.getVersion());
        try {
            if (!swapIn(name, p)) {
                p.closeFresh();
            }
        } catch (ModelLoadException e) {
            p.closeFresh();
            refuse(name, String.valueOf(p.spec.getVersion()), e.reason(), e.getMessage(), null);
        }
    }

    /**
     * Whether two specs describe the same loaded version: same version label, same sha256 (or, without
     * one, the same artifact), same input and output mapping and threshold. Versions are unique per
     * name, but a republished spec may change the mapping or the threshold, which needs a reload.
     */
    static boolean sameVersion(ModelSpec a, ModelSpec b) {
        if (!String.valueOf(a.getVersion()).equals(String.valueOf(b.getVersion()))) {
            return false;
        }
        final String shaA = a.getSha256() == null ? null : a.getSha256().trim().toLowerCase(java.util.Locale.ROOT);
        final String shaB = b.getSha256() == null ? null : b.getSha256().trim().toLowerCase(java.util.Locale.ROOT);
        if (!Objects.equals(shaA, shaB)) {
            return false;
        }
        if (shaA == null && !(Objects.equals(a.getArtifactUri(), b.getArtifactUri())
                && Objects.equals(a.getArtifactBytes(), b.getArtifactBytes()))) {
            return false;
        }
        return Objects.equals(a.getInputs(), b.getInputs()) && Objects.equals(a.getOutput(), b.getOutput())
                && a.getThreshold() == b.getThreshold();
    }

    /** The versions live together for one name; immutable. */
    private record LiveSet(LiveVersion stable, LiveVersion candidate, RolloutRole role, double canaryPercent) {

        LiveRollout info() {
            return new LiveRollout(stable.info(), candidate == null ? null : candidate.info(), role, canaryPercent);
        }

        /** Whether {@code spec} asks for exactly this arrangement. */
        boolean matches(ModelSpec spec) {
            if (!sameVersion(stable.model().spec(), withoutRollout(spec))) {
                return false;
            }
            final Rollout r = spec.getRollout();
            if (r == null || candidate == null) {
                return r == null && candidate == null;
            }
            return r.getRole() == role && (role != RolloutRole.CANARY || r.getCanaryPercent() == canaryPercent)
                    && sameVersion(candidate.model().spec(), r.getCandidate());
        }

        /** The live version of this set with the identity of {@code spec}, or null. */
        LiveVersion find(ModelSpec spec) {
            if (sameVersion(stable.model().spec(), spec)) {
                return stable;
            }
            return candidate != null && sameVersion(candidate.model().spec(), spec) ? candidate : null;
        }

        boolean holds(LiveVersion v) {
            return v == stable || v == candidate;
        }

        void retireAll() {
            stable.retire();
            if (candidate != null) {
                candidate.retire();
            }
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
     * Makes {@code p} what is live for {@code name}, and retires the versions of the previous
     * arrangement that are not part of the new one.
     *
     * @return false, leaving {@code p} to the caller, if the registry was closed meanwhile
     * @throws ModelLoadException if a feature schema registered during the load does not fit a fresh
     *     version
     */
    private boolean swapIn(String name, Prepared p) {
        final LiveSet fresh;
        final LiveSet previous;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            // Schemas registered while the versions loaded are checked here, under the lock that
            // registerFeatureSchema takes, so no schema slips between validation and swap.
            for (Loaded l : new Loaded[] {p.freshStable, p.freshCandidate}) {
                if (l == null) {
                    continue;
                }
                for (Schema schema : featureSchemas.getOrDefault(name, Set.of())) {
                    if (!l.checked().contains(schema)) {
                        l.model().validateFeatureSchema(schema);
                    }
                }
            }
            final Instant now = clock.instant();
            final LiveVersion stable = p.stable != null ? p.stable : newLive(name, p.freshStable.model(), now);
            final LiveVersion candidate = p.candidate != null ? p.candidate
                    : p.freshCandidate == null ? null : newLive(name, p.freshCandidate.model(), now);
            final Rollout r = p.spec.getRollout();
            fresh = new LiveSet(stable, candidate, r == null ? null : r.getRole(),
                    r == null || r.getRole() != RolloutRole.CANARY ? 0 : r.getCanaryPercent());
            p.freshStable = null;
            p.freshCandidate = null;
            previous = live.put(name, fresh);
            liveChanged.signalAll();
        } finally {
            lock.unlock();
        }
        final String oldVersion = previous == null ? null : previous.stable().info().version();
        final String newVersion = fresh.stable().info().version();
        final long millis = TimeUnit.NANOSECONDS.toMillis(p.loadNanos);
        final LiveRollout info = fresh.info();
        if (previous == null) {
            LOG.info("Model '{}' is live: {} on {} (ready in {} ms)", name, info,
                    fresh.stable().info().executionDevice(), millis);
        } else {
            LOG.info("Model '{}' is live: {} on {} (ready in {} ms), replacing {}", name, info,
                    fresh.stable().info().executionDevice(), millis, previous.info());
        }
        if (previous != null) {
            for (LiveVersion v : new LiveVersion[] {previous.stable(), previous.candidate()}) {
                if (v != null && !fresh.holds(v)) {
                    v.retire();
                }
            }
        }
        for (LiveVersion v : new LiveVersion[] {fresh.stable(), fresh.candidate()}) {
            if (v != null && (previous == null || !previous.holds(v))) {
                final LiveModelInfo i = v.info();
                tell("onLoaded", () -> listener.onLoaded(name, i.version(), p.loadNanos, i.executionDevice()));
            }
        }
        if (previous == null || previous.stable() != fresh.stable()) {
            tell("onSwapped", () -> listener.onSwapped(name, oldVersion, newVersion));
        }
        tell("onRolloutChanged", () -> listener.onRolloutChanged(name, info));
        return true;
    }

    private static LiveVersion newLive(String name, ScoringModel model, Instant now) {
        return new LiveVersion(model, new LiveModelInfo(name, model.version(), model.sha256(),
                model.executionDevice(), now, model.spec()));
    }

    private void retire(String name) {
        final LiveSet previous;
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
        final String version = previous.stable().info().version();
        LOG.info("Model '{}' retired (tombstone): {}; its versions close when their last batch finishes", name,
                previous.info());
        previous.retireAll();
        tell("onRetired", () -> listener.onRetired(name, version));
        tell("onRolloutChanged", () -> listener.onRolloutChanged(name, null));
    }

    private void refuse(String name, String version, ModelLoadException.Reason reason, String message,
                        Throwable unexpected) {
        if (closed) {
            LOG.debug("Registry closing; not reporting: {}", message);
            return;
        }
        final LiveSet current = live.get(name);
        final String consequence = current == null
                ? "no version of it is live"
                : current.info() + " keeps serving";
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
