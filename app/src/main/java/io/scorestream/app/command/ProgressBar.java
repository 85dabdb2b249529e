package io.scorestream.app.command;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A command's progress on stderr: a bar, how many things are done, the rate over the last
 * {@value #RATE_WINDOW_SECONDS} seconds, the time left at that rate, and the time taken.
 *
 * <p>Two measures are kept: the things counted and shown ({@code done}: records, rows), and the
 * work that says how far along the command is ({@code work}: the same records, or the bytes of a
 * file read so far). The bar and the time left follow the work; the rate shown is of the things
 * counted. {@link #ofCount} makes a bar whose work is the count itself ({@code 1,000/4,000 records});
 * {@link #ofWork} one whose work is measured otherwise, so only the count done is shown
 * ({@code 1,000 rows}).
 *
 * <p>On a terminal the line is rewritten in place ({@code \r}) at most once per
 * {@linkplain #interval interval}; otherwise (a file, a pipe, CI) a plain line is printed at most
 * once per interval while progress moves, and every 30 seconds when it does not.
 *
 * <p>Not thread-safe: one thread updates it. Does not own the stream.
 */
public final class ProgressBar {

    static final int RATE_WINDOW_SECONDS = 5;
    private static final long SECOND = 1_000_000_000L;
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final String label;
    private final String unit;
    private final long total;
    private final boolean countIsWork;
    private final long startNanos;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private long intervalNanos = SECOND;
    private long lastPrintNanos = Long.MIN_VALUE;
    private long lastPrintedWork = -1;
    private int lastLength;

    private ProgressBar(PrintStream err, boolean terminal, String label, String unit, long total,
                        boolean countIsWork, long nowNanos) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.countIsWork = countIsWork;
        this.startNanos = nowNanos;
        samples.addLast(new long[] {nowNanos, 0, 0});
    }

    /**
     * A bar over {@code total} things ({@code replay [###---] 25.0%  1,000/4,000 records ...}); update
     * it with {@link #update(long, long)}.
     *
     * @param terminal whether {@code err} is a terminal ({@code \r} updates)
     * @param label the first word of the line, e.g. the command
     * @param unit what is counted, plural
     */
    public static ProgressBar ofCount(PrintStream err, boolean terminal, String label, String unit, long total,
                                      long nowNanos) {
        return new ProgressBar(err, terminal, label, unit, total, true, nowNanos);
    }

    /**
     * A bar over {@code totalWork} units of work, counting things of unknown total
     * ({@code load [###---] 25.0%  1,000 rows ...}); update it with {@link #update(long, long, long)}.
     *
     * @param terminal whether {@code err} is a terminal ({@code \r} updates)
     * @param label the first word of the line, e.g. the command
     * @param unit what is counted, plural
     */
    public static ProgressBar ofWork(PrintStream err, boolean terminal, String label, String unit, long totalWork,
                                     long nowNanos) {
        return new ProgressBar(err, terminal, label, unit, totalWork, false, nowNanos);
    }

    /** Prints at most once per {@code interval} (default one second); returns this bar. */
    public ProgressBar interval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        this.intervalNanos = interval.toNanos();
        return this;
    }

    /** {@code done} things at {@code nowNanos}, the work being the count itself. */
    public void update(long done, long nowNanos) {
        update(done, done, nowNanos);
    }

    /** {@code done} things and {@code work} units of work at {@code nowNanos}; prints when an interval has passed. */
    public void update(long done, long work, long nowNanos) {
        samples.addLast(new long[] {nowNanos, done, work});
        while (samples.size() > 2 && nowNanos - samples.peekFirst()[0] > RATE_WINDOW_SECONDS * SECOND) {
            samples.removeFirst();
        }
        if (lastPrintNanos != Long.MIN_VALUE && nowNanos - lastPrintNanos < intervalNanos) {
            return;
        }
        if (!terminal && work == lastPrintedWork && nowNanos - lastPrintNanos < 30 * SECOND) {
            return;
        }
        print(line(done, work, rate(1), rate(2), nowNanos - startNanos), false);
        lastPrintNanos = nowNanos;
        lastPrintedWork = work;
    }

    /** Prints the final line of {@code done} things (and ends the terminal line), the work being the count. */
    public void finish(long done, long nowNanos) {
        finish(done, done, nowNanos);
    }

    /** Prints the final line (and ends the terminal line); the rate shown is the average since the start. */
    public void finish(long done, long work, long nowNanos) {
        final double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        print(line(done, work, done / seconds, work / seconds, nowNanos - startNanos), true);
    }

    /** The rate of sample column {@code column} (1 = count, 2 = work) over the window, per second. */
    private double rate(int column) {
        final long[] first = samples.peekFirst();
        final long[] last = samples.peekLast();
        final long dt = last[0] - first[0];
        return dt <= 0 ? 0 : (last[column] - first[column]) * 1e9 / dt;
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

    /**
     * One progress line, e.g. {@code replay [######------] 50.0%  1,000/2,000 records  400/s  ETA 0:03  (0:02)}
     * or {@code load [######------] 50.0%  1,000 rows  400/s  ETA 0:03  (0:02)}.
     */
    String line(long done, long work, double ratePerSecond, double workPerSecond, long elapsedNanos) {
        final double fraction = total <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (double) work / total));
        final int filled = (int) Math.round(fraction * WIDTH);
        final StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '#' : '-');
        }
        final String eta;
        if (work >= total) {
            eta = "0:00";
        } else if (workPerSecond <= 0 || !Double.isFinite(workPerSecond)) {
            eta = "--:--";
        } else {
            eta = duration((long) Math.ceil((total - work) / workPerSecond));
        }
        final String count = countIsWork ? String.format(Locale.ROOT, "%,d/%,d %s", done, total, unit)
                : String.format(Locale.ROOT, "%,d %s", done, unit);
        return String.format(Locale.ROOT, "%s [%s] %5.1f%%  %s  %,.0f/s  ETA %s  (%s)", label, bar, fraction * 100,
                count, Math.max(0, ratePerSecond), eta, duration(elapsedNanos / SECOND));
    }

    /** {@code m:ss} or {@code h:mm:ss}. */
    static String duration(long seconds) {
        final long h = seconds / 3600;
        final long m = seconds / 60 % 60;
        final long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
