package io.scorestream.tests.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.app.demo.Demo;
import io.scorestream.app.demo.PoisonRecords;
import io.scorestream.tests.it.ScoringItSupport;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo with poison records, small, on the embedded broker: every poison record (of every kind)
 * is dead-lettered with its reason, every other event is scored, none is lost or duplicated.
 */
class PoisonDemoIT {

    private static final long EVENTS = 2_400;
    private static final double POISON_RATE = 0.01;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyPoisonRecordIsDeadLetteredAndEveryOtherEventScoredOnce() throws Exception {
        // given: 2 400 events at 1 500/s, 1% of them poison (24: each of the 12 kinds twice)
        final Demo.Options options = new Demo.Options(EVENTS, 1_500, 3, 256, 5, 0, 42, Duration.ofSeconds(90),
                POISON_RATE);

        // when
        final ScoringItSupport.DemoRun run = ScoringItSupport.runDemo(options);
        final Demo.Summary s = run.summary();
        final String text = run.printed();

        // then: the accounting balances
        final String summary = "summary " + s;
        assertEquals(EVENTS, s.produced(), summary);
        assertEquals(24, s.poisoned(), summary);
        assertEquals(0, s.lost(), summary);
        assertEquals(0, s.duplicates(), summary);
        assertEquals(EVENTS, s.scored() + s.deadLettered(), summary);
        assertEquals(s.poisoned(), s.deadLettered(), summary);

        // and: each dead letter has the reason of the kind of poison it was
        final Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < s.poisoned(); i++) {
            final PoisonRecords.Kind kind = PoisonRecords.Kind.values()[i % PoisonRecords.Kind.values().length];
            expected.merge(kind.reason(), 1L, Long::sum);
        }
        assertEquals(expected, s.deadLetteredByReason(), summary);

        // and: the summary says so
        assertTrue(text.contains("lost             0"), text);
        assertTrue(text.contains("duplicates       0"), text);
        assertTrue(text.contains("dead-lettered    24"), text);
        assertTrue(text.contains("  non_finite         6"), text);
    }
}
