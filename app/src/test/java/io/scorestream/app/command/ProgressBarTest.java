package io.scorestream.app.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The progress line: its content, and how often and how it is printed on a terminal and elsewhere. */
class ProgressBarTest {

    private static final long SECOND = 1_000_000_000L;

    private static ProgressBar records(long total) {
        return ProgressBar.ofCount(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false,
                "replay", "records", total, 0);
    }

    @Test
    void showsDoneOfTotalRateAndTimeLeft() {
        final String line = records(4_000).line(1_000, 1_000, 500.0, 500.0, 2 * SECOND);
        assertEquals("replay [######------------------]  25.0%  1,000/4,000 records  500/s  ETA 0:06  (0:02)", line);
    }

    @Test
    void hasNoEtaWithoutARateAndZeroWhenDone() {
        assertTrue(records(10).line(0, 0, 0, 0, 0).contains("ETA --:--"));
        assertTrue(records(10).line(10, 10, 0, 0, 0).contains("100.0%") && records(10).line(10, 10, 0, 0, 0)
                .contains("ETA 0:00"));
        assertTrue(records(0).line(0, 0, 0, 0, 0).contains("100.0%"), "an empty range is done");
        assertEquals("1:01:01", ProgressBar.duration(3661));
        assertEquals("0:59", ProgressBar.duration(59));
    }

    @Test
    void measuresProgressAndTimeLeftByWorkAndShowsTheCountAlone() {
        // given: a file of 10 000 bytes, 2 500 read in 5 s, 100 rows counted at 20 rows/s
        final ProgressBar bar = ProgressBar.ofWork(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), false, "load", "rows", 10_000, 0);

        // when
        final String line = bar.line(100, 2_500, 20.0, 500.0, 5 * SECOND);

        // then: a quarter done, 7 500 bytes left at 500 bytes/s
        assertEquals("load [######------------------]  25.0%  100 rows  20/s  ETA 0:15  (0:05)", line);
    }

    @Test
    void printsPlainLinesAtMostOncePerSecondOffATerminal() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ProgressBar bar = ProgressBar.ofCount(new PrintStream(bytes, true, StandardCharsets.UTF_8), false,
                "replay", "records", 100, 0);
        bar.update(10, SECOND / 10);
        bar.update(20, SECOND / 2);
        bar.update(30, 2 * SECOND);
        bar.update(30, 3 * SECOND + 1); // no progress: no line
        bar.finish(100, 4 * SECOND);
        final String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length, String.join("|", lines));
        assertTrue(lines[0].contains("10/100") && lines[1].contains("30/100") && lines[2].contains("100/100"));
        assertTrue(!bytes.toString(StandardCharsets.UTF_8).contains("\r"));
    }

    @Test
    void rewritesOneLineInPlaceOnATerminal() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ProgressBar bar = ProgressBar.ofCount(new PrintStream(bytes, true, StandardCharsets.UTF_8), true,
                "replay", "records", 1000, 0);
        bar.update(10, SECOND);
        bar.update(500, 2 * SECOND);
        bar.finish(1000, 3 * SECOND);
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, text.split("\r", -1).length - 1, text);
        assertTrue(text.endsWith(System.lineSeparator()) && text.indexOf('\n') == text.length() - 1, text);
    }

    @Test
    void printsAtMostOncePerIntervalWhenOneIsGiven() {
        // given: a bar redrawn at most five times a second
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ProgressBar bar = ProgressBar.ofWork(new PrintStream(bytes, true, StandardCharsets.UTF_8), true,
                "load", "rows", 1_000_000, 0).interval(Duration.ofMillis(200));

        // when: updated every 10 ms for one second
        for (int i = 1; i <= 100; i++) {
            bar.update(i, i * 10_000L, i * SECOND / 100);
        }

        // then: five or six redraws, not a hundred
        final int redraws = bytes.toString(StandardCharsets.UTF_8).split("\r", -1).length - 1;
        assertTrue(redraws >= 5 && redraws <= 6, "redraws: " + redraws);
    }
}
