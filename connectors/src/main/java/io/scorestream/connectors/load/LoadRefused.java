package io.scorestream.connectors.load;

/**
 * A load refused before anything was produced, because what it was asked to do does not fit: the
 * schema and the file's columns do not match (a required field without a column, a field of a type
 * no column can fill, a missing key or timestamp column), or the topic does not exist. The message
 * says what and how to go on.
 */
public final class LoadRefused extends LoadException {

    private static final long serialVersionUID = 1L;

    public LoadRefused(String message) {
        super(message);
    }
}
