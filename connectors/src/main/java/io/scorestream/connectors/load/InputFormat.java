package io.scorestream.connectors.load;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The file formats {@link FileLoader} reads. */
public enum InputFormat {

    /** Comma-separated values with a header row naming the columns; RFC 4180 quoting; UTF-8. */
    CSV,
    /** JSON Lines: one flat JSON object per line (also called NDJSON); UTF-8. */
    JSONL;

    /**
     * The format a file name's extension says: {@code .csv} is {@link #CSV}; {@code .jsonl},
     * {@code .ndjson} are {@link #JSONL} (case-insensitive). Empty for any other name.
     */
    public static Optional<InputFormat> ofFileName(Path file) {
        final Path name = file.getFileName();
        final String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) {
            return Optional.of(CSV);
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return Optional.of(JSONL);
        }
        return Optional.empty();
    }
}
