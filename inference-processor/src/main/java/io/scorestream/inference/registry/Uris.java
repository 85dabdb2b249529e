package io.scorestream.inference.registry;

import java.net.URI;

/** URIs as they may appear in logs and messages: without credentials. Stateless. */
final class Uris {

    /** Stands in for a query string, which may carry a signature or token. */
    static final String REDACTED_QUERY = "?<redacted>";

    private Uris() {
    }

    /**
     * {@code uri} without user-info, fragment or query (a query is replaced by
     * {@value #REDACTED_QUERY}), e.g. {@code https://models.internal:8443/fraud/7.onnx}.
     */
    static String redact(URI uri) {
        if (uri == null) {
            return "null";
        }
        final StringBuilder b = new StringBuilder();
        if (uri.getScheme() != null) {
            b.append(uri.getScheme()).append(':');
        }
        if (uri.isOpaque()) {
            // e.g. "mailto:x" or "ftp:host/x": nothing in it is known to be safe to show.
            return b.append("<opaque>").toString();
        }
        final String authority = uri.getRawAuthority();
        if (authority != null) {
            b.append("//");
            if (uri.getHost() != null) {
                b.append(uri.getHost());
                if (uri.getPort() != -1) {
                    b.append(':').append(uri.getPort());
                }
            } else {
                b.append(authority.substring(authority.lastIndexOf('@') + 1));
            }
        }
        if (uri.getRawPath() != null) {
            b.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            b.append(REDACTED_QUERY);
        }
        return b.toString();
    }

    /**
     * {@code text} with any user-info of {@code uri} (raw or decoded) replaced by {@code ***}: for
     * messages of exceptions thrown by code that saw the whole URI.
     */
    static String scrub(String text, URI uri) {
        if (text == null || uri == null) {
            return text;
        }
        String out = text;
        for (String secret : new String[] {uri.getRawUserInfo(), uri.getUserInfo(), uri.getRawQuery(),
                uri.getQuery()}) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, "***");
            }
        }
        return out;
    }

    /** {@code uri} without its user-info (everything else kept), for the actual request. */
    static URI withoutUserInfo(URI uri) {
        if (uri.getRawUserInfo() == null || uri.getHost() == null) {
            return uri;
        }
        final StringBuilder b = new StringBuilder();
        b.append(uri.getScheme()).append("://").append(uri.getRawAuthority()
                .substring(uri.getRawAuthority().lastIndexOf('@') + 1));
        if (uri.getRawPath() != null) {
            b.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        return URI.create(b.toString());
    }
}
