package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The progress line: its content, and how often and how it is printed on a terminal and elsewhere. */
class ReplayProgressBarTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void showsDoneOfTotalRateAndTimeLeft() {
        final String line = ProgressBar.line(1_000, 4_000, 500.0, 2 * SECOND);
        assertEquals("replay [######------------------]  25.0%  1,000/4,000 records  500/s  ETA 0:06  (0:02)", line);
    }

    @Test
    void hasNoEtaWithoutARateAndZeroWhenDone() {
        assertTrue(ProgressBar.line(0, 10, 0, 0).contains("ETA --:--"));
        assertTrue(ProgressBar.line(10, 10, 0, 0).contains("100.0%") && ProgressBar.line(10, 10, 0, 0)
                .contains("ETA 0:00"));
        assertTrue(ProgressBar.line(0, 0, 0, 0).contains("100.0%"), "an empty range is done");
        assertEquals("1:01:01", ProgressBar.duration(3661));
        assertEquals("0:59", ProgressBar.duration(59));
    }

    @Test
    void printsPlainLinesAtMostOncePerSecondOffATerminal() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 100, 0);
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
        final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 1000, 0);
        bar.update(10, SECOND);
        bar.update(500, 2 * SECOND);
        bar.finish(1000, 3 * SECOND);
        final String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, text.split("\r", -1).length - 1, text);
        assertTrue(text.endsWith(System.lineSeparator()) && text.indexOf('\n') == text.length() - 1, text);
    }
}
