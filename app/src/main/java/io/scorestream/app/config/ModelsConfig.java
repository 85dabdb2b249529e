package io.scorestream.app.config;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.scorestream.inference.registry.ArtifactCache;
import io.scorestream.inference.registry.RegistrySettings;
import io.scorestream.inference.signing.TrustedKeys;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys of group {@value #GROUP}: the model that scores ({@code model.name}, the single
 * pipeline's; the {@link PipelinesConfig declared pipelines} name their own and refuse it), how long
 * to wait for it, and how the model registry fetches, verifies, caches and warms up artifacts, read
 * into {@link RegistrySettings} and an {@link ArtifactCache}.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#models()}); the model of every pipeline is
 * {@link ScorestreamConfig#modelName()} and {@link ScorestreamConfig#modelNames()}. Immutable, but
 * for the artifact cache, created at most once; thread-safe.
 */
public final class ModelsConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Models";

    public static final String MODEL_NAME_CONFIG = "model.name";
    private static final String MODEL_NAME_DOC = "Name of the model (key on the model topic) that scores the "
            + "input topics. Required without pipelines; not allowed with them (set pipeline.<name>.model.name).";

    public static final String MODEL_WAIT_TIMEOUT_MS_CONFIG = "model.wait.timeout.ms";
    private static final String MODEL_WAIT_TIMEOUT_MS_DOC = "How long a pipeline may wait for a live version of "
            + "its model (at start, or after its last version was retired), in milliseconds, before readiness "
            + "(/readyz) reports the wait as an error and the log says so. Meanwhile the pipeline's input is "
            + "paused (nothing is scored, dead-lettered or lost for it) and the other pipelines keep scoring; "
            + "it resumes when a version goes live, however long that takes, unless "
            + "model.wait.timeout.exit is set.";

    public static final String MODEL_WAIT_TIMEOUT_EXIT_CONFIG = "model.wait.timeout.exit";
    private static final String MODEL_WAIT_TIMEOUT_EXIT_DOC = "Whether the application stops, exiting non-zero, "
            + "once a pipeline has waited model.wait.timeout.ms for a live version of its model (for an "
            + "orchestrator that should see the failure), instead of waiting on with readiness in error.";

    public static final String MODEL_SHA256_REQUIRED_CONFIG = "model.sha256.required";
    private static final String MODEL_SHA256_REQUIRED_DOC = "Refuse a model spec that carries no sha256 of its "
            + "artifact.";

    public static final String MODEL_ARTIFACT_MAX_BYTES_CONFIG = "model.artifact.max.bytes";
    private static final String MODEL_ARTIFACT_MAX_BYTES_DOC = "Largest model artifact fetched, in bytes; "
            + "larger ones are refused.";

    public static final String MODEL_FETCH_TIMEOUT_MS_CONFIG = "model.fetch.timeout.ms";
    private static final String MODEL_FETCH_TIMEOUT_MS_DOC = "Timeout of one artifact fetch, in milliseconds.";

    public static final String MODEL_WARMUP_ROWS_CONFIG = "model.warmup.rows";
    private static final String MODEL_WARMUP_ROWS_DOC = "Rows of the warm-up batch scored by a new model "
            + "version before it is swapped in.";

    public static final String MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG = "model.artifact.allowed.schemes";
    private static final String MODEL_ARTIFACT_ALLOWED_SCHEMES_DOC = "URI schemes model artifacts may be "
            + "fetched from.";

    public static final String MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG = "model.artifact.allowed.hosts";
    private static final String MODEL_ARTIFACT_ALLOWED_HOSTS_DOC = "Hosts http(s) model artifacts may be "
            + "fetched from. Empty: any host.";

    public static final String MODEL_CACHE_DIR_CONFIG = "model.cache.dir";
    /** The value of {@value #MODEL_CACHE_DIR_CONFIG} that disables the artifact cache. */
    public static final String MODEL_CACHE_DISABLED = "none";
    private static final String MODEL_CACHE_DIR_DOC = "Directory of the on-disk cache of model artifacts fetched "
            + "by URI, one file per sha256, so that a restart (or another instance on the machine) does not fetch "
            + "them again; every cached file is checked against its sha256 when read. Empty: "
            + "<java.io.tmpdir>/scorestream-artifacts. none: no cache.";

    public static final String MODEL_CACHE_MAX_BYTES_CONFIG = "model.cache.max.bytes";
    private static final String MODEL_CACHE_MAX_BYTES_DOC = "Size limit of the artifact cache, in bytes; the "
            + "least recently used artifacts are deleted beyond it. 0: no cache.";

    public static final String MODEL_TRUSTED_KEYS_CONFIG = "model.trusted.keys";
    private static final String MODEL_TRUSTED_KEYS_DOC = "Ed25519 public keys whose signatures on model specs are "
            + "trusted (see 'scorestream keys generate' and 'models publish --signing-key'): a comma-separated list of "
            + "PEM texts (-----BEGIN PUBLIC KEY-----...) or paths of files of one or more PEM public keys. Several "
            + "keys at once is how keys rotate; files are read again at every signature check, so a key added to "
            + "or removed from a file counts from the next model version without a restart. With keys, a signed "
            + "spec whose signature does not verify is refused (reason bad_signature) even when "
            + "model.signature.required is false; an unsigned one is then accepted. Empty: signatures are not "
            + "checked.";

    public static final String MODEL_SIGNATURE_REQUIRED_CONFIG = "model.signature.required";
    private static final String MODEL_SIGNATURE_REQUIRED_DOC = "Refuse (reason bad_signature) every model spec "
            + "that is not signed by a key of model.trusted.keys, was altered after signing, or has no sha256 (a "
            + "signature without it does not pin the model's bytes); the previous version keeps serving. Needs "
            + "model.trusted.keys.";

    /** The largest array a JVM reliably allocates: artifacts are read into one. */
    private static final long MAX_ARTIFACT_BYTES = Integer.MAX_VALUE - 8L;

    /** Where the artifact cache lives when {@value #MODEL_CACHE_DIR_CONFIG} is empty. */
    private static final String DEFAULT_CACHE_DIRECTORY_NAME = "scorestream-artifacts";

    private final String modelName; // null when not given (as with pipelines)
    private final long waitTimeoutMs;
    private final boolean waitTimeoutExit;
    private final boolean sha256Required;
    private final long artifactMaxBytes;
    private final long fetchTimeoutMs;
    private final int warmupRows;
    private final List<String> allowedSchemes;
    private final List<String> allowedHosts;
    private final TrustedKeys trustedKeys;
    private final boolean signatureRequired;
    private final RegistrySettings registrySettings;
    private final Path cacheDir; // null when the cache is disabled
    private final long cacheMaxBytes;

    private ArtifactCache artifactCache; // guarded by this; created on first use

    ModelsConfig(final ConfigValues values) {
        this.modelName = values.string(MODEL_NAME_CONFIG);
        this.waitTimeoutMs = values.longValue(MODEL_WAIT_TIMEOUT_MS_CONFIG);
        this.waitTimeoutExit = values.bool(MODEL_WAIT_TIMEOUT_EXIT_CONFIG);
        this.sha256Required = values.bool(MODEL_SHA256_REQUIRED_CONFIG);
        this.artifactMaxBytes = values.longValue(MODEL_ARTIFACT_MAX_BYTES_CONFIG);
        this.fetchTimeoutMs = values.longValue(MODEL_FETCH_TIMEOUT_MS_CONFIG);
        this.warmupRows = values.integer(MODEL_WARMUP_ROWS_CONFIG);
        this.allowedSchemes = lowerCased(values.list(MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG));
        this.allowedHosts = lowerCased(values.list(MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG));
        this.trustedKeys = trustedKeys(values.list(MODEL_TRUSTED_KEYS_CONFIG));
        this.signatureRequired = values.bool(MODEL_SIGNATURE_REQUIRED_CONFIG);
        if (signatureRequired && trustedKeys.isEmpty()) {
            throw new ConfigException(MODEL_SIGNATURE_REQUIRED_CONFIG, true, "signatures are required but "
                    + MODEL_TRUSTED_KEYS_CONFIG + " names no public key: every model version would be refused. Set "
                    + MODEL_TRUSTED_KEYS_CONFIG + " to the signing keys' public keys, or "
                    + MODEL_SIGNATURE_REQUIRED_CONFIG + "=false");
        }
        this.registrySettings = RegistrySettings.builder()
                .trustedKeys(trustedKeys)
                .signatureRequired(signatureRequired)
                .requireSha256(sha256Required)
                .maxArtifactBytes(artifactMaxBytes)
                .fetchTimeout(Duration.ofMillis(fetchTimeoutMs))
                .warmUpRows(warmupRows)
                .allowedSchemes(allowedSchemes)
                .allowedHosts(allowedHosts)
                .build();
        this.cacheMaxBytes = values.longValue(MODEL_CACHE_MAX_BYTES_CONFIG);
        this.cacheDir = cacheDirectory(values.string(MODEL_CACHE_DIR_CONFIG), cacheMaxBytes);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                // Required unless pipelines is set, which PipelinesConfig checks (a ConfigDef cannot).
                .define(MODEL_NAME_CONFIG, Type.STRING, null, Validators.nullOr(Validators.nonBlank(), ""),
                        Importance.HIGH, MODEL_NAME_DOC)
                .define(MODEL_WAIT_TIMEOUT_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                        MODEL_WAIT_TIMEOUT_MS_DOC)
                .define(MODEL_WAIT_TIMEOUT_EXIT_CONFIG, Type.BOOLEAN, false, null, Importance.LOW,
                        MODEL_WAIT_TIMEOUT_EXIT_DOC)
                .define(MODEL_SHA256_REQUIRED_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM,
                        MODEL_SHA256_REQUIRED_DOC)
                .define(MODEL_ARTIFACT_MAX_BYTES_CONFIG, Type.LONG, 268_435_456L,
                        Range.between(1, MAX_ARTIFACT_BYTES),
                        Importance.MEDIUM, MODEL_ARTIFACT_MAX_BYTES_DOC)
                .define(MODEL_FETCH_TIMEOUT_MS_CONFIG, Type.LONG, 30_000L, Range.atLeast(1), Importance.MEDIUM,
                        MODEL_FETCH_TIMEOUT_MS_DOC)
                .define(MODEL_WARMUP_ROWS_CONFIG, Type.INT, 64, Range.atLeast(1), Importance.LOW,
                        MODEL_WARMUP_ROWS_DOC)
                .define(MODEL_ARTIFACT_ALLOWED_SCHEMES_CONFIG, Type.LIST, "file,http,https",
                        Validators.uriSchemes(), Importance.MEDIUM, MODEL_ARTIFACT_ALLOWED_SCHEMES_DOC)
                .define(MODEL_ARTIFACT_ALLOWED_HOSTS_CONFIG, Type.LIST, "", Validators.hosts(), Importance.MEDIUM,
                        MODEL_ARTIFACT_ALLOWED_HOSTS_DOC)
                .define(MODEL_CACHE_DIR_CONFIG, Type.STRING, "", Validators.cacheDirectory(MODEL_CACHE_DISABLED),
                        Importance.MEDIUM, MODEL_CACHE_DIR_DOC)
                .define(MODEL_CACHE_MAX_BYTES_CONFIG, Type.LONG, 2L * 1024 * 1024 * 1024, Range.atLeast(0),
                        Importance.LOW, MODEL_CACHE_MAX_BYTES_DOC)
                .define(MODEL_TRUSTED_KEYS_CONFIG, Type.LIST, "", null, Importance.HIGH, MODEL_TRUSTED_KEYS_DOC)
                .define(MODEL_SIGNATURE_REQUIRED_CONFIG, Type.BOOLEAN, false, null, Importance.HIGH,
                        MODEL_SIGNATURE_REQUIRED_DOC);
    }

    /** {@code model.name}; {@code null} when not given (as with pipelines). */
    String globalModelName() {
        return modelName;
    }

    /**
     * {@code model.wait.timeout.ms}: how long a pipeline may wait for a live version of its model
     * before readiness reports the wait as an error, in milliseconds.
     */
    public long waitTimeoutMs() {
        return waitTimeoutMs;
    }

    /** {@code model.wait.timeout.exit}: whether a wait past {@link #waitTimeoutMs()} stops the application. */
    public boolean waitTimeoutExit() {
        return waitTimeoutExit;
    }

    public boolean sha256Required() {
        return sha256Required;
    }

    public long artifactMaxBytes() {
        return artifactMaxBytes;
    }

    public long fetchTimeoutMs() {
        return fetchTimeoutMs;
    }

    public int warmupRows() {
        return warmupRows;
    }

    /** Lower-cased URI schemes artifacts may be fetched from; unmodifiable. */
    public List<String> allowedSchemes() {
        return allowedSchemes;
    }

    /** Lower-cased hosts artifacts may be fetched from; empty means any host. Unmodifiable. */
    public List<String> allowedHosts() {
        return allowedHosts;
    }

    /** {@code model.trusted.keys}, read: the public keys trusted to sign model specs; empty for none. */
    public TrustedKeys trustedKeys() {
        return trustedKeys;
    }

    /** {@code model.signature.required}: whether every spec must be signed by a trusted key. */
    public boolean signatureRequired() {
        return signatureRequired;
    }

    /** How the model registry fetches, verifies and warms up versions: the {@code model.*} settings. */
    public RegistrySettings registrySettings() {
        return registrySettings;
    }

    /**
     * The directory of the artifact cache, absolute: {@code model.cache.dir}, or
     * {@code <java.io.tmpdir>/scorestream-artifacts} when that is empty. Empty when the cache is
     * disabled ({@code model.cache.dir=none} or {@code model.cache.max.bytes=0}). Not created here.
     */
    public Optional<Path> cacheDir() {
        return Optional.ofNullable(cacheDir);
    }

    /** {@code model.cache.max.bytes}: the cache's size limit; 0 means no cache. */
    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    /**
     * The artifact cache for the model registry, created with its directory on the first call and
     * the same instance on every later call on this configuration; empty when the cache is
     * {@linkplain #cacheDir() disabled}. The cache holds nothing open: nothing to close.
     *
     * @throws ConfigException naming {@value #MODEL_CACHE_DIR_CONFIG} when the directory cannot be created
     */
    public synchronized Optional<ArtifactCache> artifactCache() {
        if (cacheDir == null) {
            return Optional.empty();
        }
        if (artifactCache == null) {
            try {
                artifactCache = new ArtifactCache(cacheDir, cacheMaxBytes);
            } catch (UncheckedIOException e) {
                throw new ConfigException(MODEL_CACHE_DIR_CONFIG, cacheDir.toString(),
                        "cannot create the artifact cache directory: " + e.getCause());
            }
        }
        return Optional.of(artifactCache);
    }

    /** The cache directory, or null when the cache is disabled. */
    private static Path cacheDirectory(final String configured, final long maxBytes) {
        if (maxBytes == 0 || MODEL_CACHE_DISABLED.equals(configured)) {
            return null;
        }
        final Path dir = configured.isEmpty()
                ? Path.of(System.getProperty("java.io.tmpdir"), DEFAULT_CACHE_DIRECTORY_NAME) : Path.of(configured);
        return dir.toAbsolutePath().normalize();
    }

    /** The keys of {@code model.trusted.keys}; blank entries are ignored. */
    private static TrustedKeys trustedKeys(final List<String> entries) {
        final List<String> sources = new ArrayList<>();
        for (final String e : entries) {
            if (!e.isBlank()) {
                sources.add(e);
            }
        }
        try {
            return TrustedKeys.fromSources(sources);
        } catch (IllegalArgumentException e) {
            // The value itself is not repeated: the message names the file or says "inline PEM text".
            throw new ConfigException(MODEL_TRUSTED_KEYS_CONFIG + ": " + e.getMessage());
        }
    }

    private static List<String> lowerCased(final List<String> items) {
        final List<String> out = new ArrayList<>(items.size());
        for (final String item : items) {
            out.add(item.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }
}
