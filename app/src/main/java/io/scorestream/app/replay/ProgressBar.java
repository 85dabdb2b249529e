package io.scorestream.app.replay;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * The replay's progress on stderr, about once a second: records done of the total, the rate over
 * the last {@value #RATE_WINDOW_SECONDS} seconds, and the time left at that rate. On a terminal the
 * line is rewritten in place ({@code \r}); otherwise (a file, a pipe, CI) a plain line is printed
 * once a second while progress moves, and every 30 seconds when it does not.
 *
 * <p>Not thread-safe: one thread updates it. Does not own the stream.
 */
final class ProgressBar {

    static final int RATE_WINDOW_SECONDS = 5;
    private static final long SECOND = 1_000_000_000L;
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final long total;
    private final long startNanos;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private long lastPrintNanos = Long.MIN_VALUE;
    private long lastPrintedDone = -1;
    private int lastLength;

    /**
     * @param terminal whether {@code err} is a terminal ({@code \r} updates)
     * @param total records to do
     */
    ProgressBar(PrintStream err, boolean terminal, long total, long nowNanos) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
        this.startNanos = nowNanos;
        samples.addLast(new long[] {nowNanos, 0});
    }

    /** Records {@code done} at {@code nowNanos}; prints when a second has passed since the last line. */
    void update(long done, long nowNanos) {
        samples.addLast(new long[] {nowNanos, done});
        while (samples.size() > 2 && nowNanos - samples.peekFirst()[0] > RATE_WINDOW_SECONDS * SECOND) {
            samples.removeFirst();
        }
        if (lastPrintNanos != Long.MIN_VALUE && nowNanos - lastPrintNanos < SECOND) {
            return;
        }
        if (!terminal && done == lastPrintedDone && nowNanos - lastPrintNanos < 30 * SECOND) {
            return;
        }
        print(line(done, total, rate(), nowNanos - startNanos), false);
        lastPrintNanos = nowNanos;
        lastPrintedDone = done;
    }

    /** Prints the final line (and ends the terminal line). */
    void finish(long done, long nowNanos) {
        final double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        print(line(done, total, done / seconds, nowNanos - startNanos), true);
    }

    private double rate() {
        final long[] first = samples.peekFirst();
        final long[] last = samples.peekLast();
        final long dt = last[0] - first[0];
        return dt <= 0 ? 0 : (last[1] - first[1]) * 1e9 / dt;
    }

    private void print(String line, boolean last) {
        if (terminal) {
            // Pad over the previous line's tail; end with a newline only when done.
            final StringBuilder s = new StringBuilder("\r").append(line);
            for (int i = line.length(); i < lastLength; i++) {
                s.append(' ');
            }
            lastLength = line.length();
            err.print(s);
            if (last) {
                err.println();
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** One progress line, e.g. {@code replay [######------] 50.0%  1,000/2,000 records  400/s  ETA 0:03  (0:02)}. */
    static String line(long done, long total, double ratePerSecond, long elapsedNanos) {
        final double fraction = total <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (double) done / total));
        final int filled = (int) Math.round(fraction * WIDTH);
        final StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '#' : '-');
        }
        final String eta;
        if (done >= total) {
            eta = "0:00";
        } else if (ratePerSecond <= 0 || !Double.isFinite(ratePerSecond)) {
            eta = "--:--";
        } else {
            eta = duration((long) Math.ceil((total - done) / ratePerSecond));
        }
        return String.format(Locale.ROOT, "replay [%s] %5.1f%%  %,d/%,d records  %,.0f/s  ETA %s  (%s)", bar,
                fraction * 100, done, total, Math.max(0, ratePerSecond), eta, duration(elapsedNanos / SECOND));
    }

    /** {@code m:ss} or {@code h:mm:ss}. */
    static String duration(long seconds) {
        final long h = seconds / 3600;
        final long m = seconds / 60 % 60;
        final long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
