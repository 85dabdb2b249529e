package io.scorestream.inference.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches artifacts from {@code file:} and {@code http(s):} URIs, within the scheme and host
 * allow-lists of the {@link RegistrySettings} it was made with.
 *
 * <ul>
 *   <li>{@code file:} the file's size is checked before anything is read; a file over the limit is
 *       refused unread.
 *   <li>{@code http(s):} one GET with a connect timeout (the settings' fetch timeout) and an overall
 *       deadline ({@code timeout}, covering headers and body). Redirects are not followed (a
 *       redirect could leave the allowed hosts), so a 3xx is refused like any non-2xx status. The
 *       body is read as it streams in and the exchange is aborted as soon as it exceeds
 *       {@code maxBytes}, or at once when the declared {@code Content-Length} does. User-info in the
 *       URI is never sent nor shown; use a pre-authorised URL or an own {@link ArtifactFetcher} for
 *       authenticated stores.
 * </ul>
 *
 * <p>Thread-safe; holds one {@link HttpClient} for its lifetime.
 */
public final class DefaultArtifactFetcher implements ArtifactFetcher {

    private static final int FIRST_CHUNK = 64 * 1024;

    private final RegistrySettings settings;
    private final HttpClient http;

    public DefaultArtifactFetcher(RegistrySettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.fetchTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * {@inheritDoc}
     *
     * <p>An interrupt of the calling thread aborts the fetch (the thread's interrupt flag stays
     * set).
     */
    @Override
    public byte[] fetch(URI uri, long maxBytes, Duration timeout) throws ArtifactException {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(timeout, "timeout");
        if (maxBytes < 0 || maxBytes > RegistrySettings.MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException("maxBytes must be between 0 and " + RegistrySettings.MAX_ARRAY_BYTES
                    + ", got " + maxBytes);
        }
        settings.checkAllowed(uri);
        final String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file":
                return readFile(uri, maxBytes);
            case "http":
            case "https":
                return get(uri, maxBytes, timeout);
            default:
                throw new ArtifactException(uri, "scheme '" + scheme + "' is allowed but this fetcher only reads "
                        + "file, http and https; configure an ArtifactFetcher that reads it");
        }
    }

    private static byte[] readFile(URI uri, long maxBytes) throws ArtifactException {
        final Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new ArtifactException(uri, "not a local file URI (" + Uris.scrub(e.getMessage(), uri) + ")", e);
        }
        try {
            final BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                throw new ArtifactException(uri, "not a regular file");
            }
            final long size = attrs.size();
            if (size > maxBytes) {
                throw tooLarge(uri, "the file is " + size + " bytes", maxBytes);
            }
            final byte[] bytes = new byte[(int) size];
            try (InputStream in = Files.newInputStream(path)) {
                final int read = in.readNBytes(bytes, 0, bytes.length);
                if (read != bytes.length || in.read() != -1) {
                    throw new ArtifactException(uri, "the file changed size while it was read ("
                            + size + " bytes expected)");
                }
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ArtifactException(uri, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ArtifactException(uri, "permission denied", e);
        } catch (IOException e) {
            throw new ArtifactException(uri, "cannot read the file: " + describe(e, uri), e);
        }
    }

    private byte[] get(URI uri, long maxBytes, Duration timeout) throws ArtifactException {
        final HttpRequest request;
        try {
            request = HttpRequest.newBuilder(Uris.withoutUserInfo(uri)).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(uri, "not a usable http(s) URI (" + Uris.scrub(e.getMessage(), uri) + ")", e);
        }
        final CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> {
            if (info.statusCode() / 100 != 2) {
                return new BoundedBodySubscriber(uri, 0, -1, true);
            }
            return new BoundedBodySubscriber(uri, maxBytes, info.headers().firstValueAsLong("Content-Length")
                    .orElse(-1L), false);
        });
        final HttpResponse<byte[]> response;
        try {
            response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new ArtifactException(uri, "no complete response within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new ArtifactException(uri, "interrupted while fetching", e);
        } catch (ExecutionException e) {
            throw translate(uri, e.getCause(), timeout);
        }
        if (response.statusCode() / 100 != 2) {
            throw new ArtifactException(uri, "the server answered HTTP status " + response.statusCode());
        }
        return response.body();
    }

    private static ArtifactException translate(URI uri, Throwable failure, Duration timeout) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TooLarge tl) {
                return tl.exception;
            }
        }
        if (failure instanceof HttpConnectTimeoutException) {
            return new ArtifactException(uri, "cannot connect within " + timeout.toMillis() + " ms", failure);
        }
        if (failure instanceof HttpTimeoutException) {
            return new ArtifactException(uri, "no response within " + timeout.toMillis() + " ms", failure);
        }
        if (failure instanceof ConnectException) {
            return new ArtifactException(uri, "cannot connect: " + describe(failure, uri), failure);
        }
        return new ArtifactException(uri, "the request failed: " + describe(failure, uri), failure);
    }

    private static ArtifactException tooLarge(URI uri, String what, long maxBytes) {
        return new ArtifactException(uri, what + "; the limit is " + maxBytes + " bytes (maxArtifactBytes)");
    }

    private static String describe(Throwable e, URI uri) {
        final String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + Uris.scrub(m, uri));
    }

    /** Carries an {@link ArtifactException} through the HTTP client's completion stages. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient ArtifactException exception;

        TooLarge(ArtifactException exception) {
            super(exception.getMessage());
            this.exception = exception;
        }
    }

    /**
     * Collects a response body of at most {@code maxBytes}, one chunk at a time, cancelling the
     * exchange as soon as it would exceed the limit; or, for a response we refuse anyway, cancels at
     * once and yields null.
     */
    private static final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final URI uri;
        private final long maxBytes;
        private final long declaredLength;
        private final boolean discard;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private byte[] buffer;
        private int size;

        BoundedBodySubscriber(URI uri, long maxBytes, long declaredLength, boolean discard) {
            this.uri = uri;
            this.maxBytes = maxBytes;
            this.declaredLength = declaredLength;
            this.discard = discard;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (discard) {
                s.cancel();
                body.complete(null);
                return;
            }
            if (declaredLength > maxBytes) {
                fail(tooLarge(uri, "the response declares " + declaredLength + " bytes (Content-Length)", maxBytes));
                return;
            }
            buffer = new byte[(int) (declaredLength >= 0 ? declaredLength : Math.min(FIRST_CHUNK, maxBytes))];
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                final int n = item.remaining();
                if (size + (long) n > maxBytes) {
                    fail(tooLarge(uri, "the body grew past the limit, so the download was aborted", maxBytes));
                    return;
                }
                if (size + n > buffer.length) {
                    final long doubled = Math.max(2L * buffer.length, size + (long) n);
                    buffer = Arrays.copyOf(buffer, (int) Math.min(doubled, maxBytes));
                }
                item.get(buffer, size, n);
                size += n;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            if (!body.isDone()) {
                body.complete(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
            }
        }

        private void fail(ArtifactException e) {
            subscription.cancel();
            body.completeExceptionally(new TooLarge(e));
        }
    }
}
