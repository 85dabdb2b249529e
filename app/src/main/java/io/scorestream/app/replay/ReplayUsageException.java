package io.scorestream.app.replay;

/**
 * A replay the command line asks for that cannot be done as asked: a topic, a model or a version it
 * names is not there. The message names the option; {@link ReplayCommand} reports it as a wrong
 * command line (exit code 2). Thrown before anything is created or started.
 */
final class ReplayUsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the option */
    ReplayUsageException(String message) {
        super(message);
    }
}
