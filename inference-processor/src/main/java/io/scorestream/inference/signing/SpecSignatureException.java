package io.scorestream.inference.signing;

/**
 * A model spec's signature is missing, names a key that is not trusted, or does not match the spec.
 * The message is the detail only (e.g. {@code unsigned}); the caller names the model and version.
 */
public final class SpecSignatureException extends Exception {

    private static final long serialVersionUID = 1L;

    public SpecSignatureException(final String detail) {
        super(detail);
    }
}
