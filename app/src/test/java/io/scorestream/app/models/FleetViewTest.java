package io.scorestream.app.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ModelRefusal;
import io.scorestream.schemas.ModelStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SERVED column of {@code models list} and the rows of {@code models status}, from statuses in memory. */
class FleetViewTest {

    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);
    private static final long INTERVAL = 1_000;
    private static final String MAPPING_MESSAGE = "Model 'fraud' version '2' refused (input_mapping): field 'amount' "
            + "is not in the registered schema of topic 'transactions'";

    @Test
    void everyInstanceServingTheAskedVersionReadsVersionOnAll() {
        final List<ModelStatus> three = List.of(status("a", "1", null, null), status("b", "1", null, null),
                status("c", "1", null, null));
        assertEquals("1 on 3/3 instances", FleetView.served("1", null, three, NOW, null));
    }

    @Test
    void candidateIsPartOfWhatIsServed() {
        final List<ModelStatus> two = List.of(status("a", "1", "2", null), status("b", "1", "2", null));
        assertEquals("1+2 on 2/2 instances", FleetView.served("1", "2", two, NOW, null));
        assertEquals("1 on 2/2 (asked 1+3: not yet on 2/2)",
                FleetView.served("1", "3", List.of(status("a", "1", null, null), status("b", "1", null, null)), NOW,
                        null));
    }

    @Test
    void versionRefusedByEveryInstanceShowsWhatTheyServeAndWhy() {
        final ModelRefusal refusal = refusal("2", NOW.minusSeconds(3));
        final List<ModelStatus> three = List.of(status("a", "1", null, refusal), status("b", "1", null, refusal),
                status("c", "1", null, refusal));

        assertEquals("1 on 3/3 (asked 2: refused by 3/3: input_mapping: field 'amount' is not in the registered "
                + "schema of topic '...)", FleetView.served("2", null, three, NOW, null));
    }

    @Test
    void mixedFleetCountsEachVersionRefusalsAndInstancesStillLoading() {
        final List<ModelStatus> three = List.of(status("a", "2", null, null),
                status("b", "1", null, refusal("2", NOW.minusSeconds(1))), status("c", "1", null, null));

        assertEquals("1 on 2/3, 2 on 1/3 (asked 2: refused by 1/3: input_mapping: field 'amount' is not in the "
                + "registered schema of topic '...; not yet on 1/3)", FleetView.served("2", null, three, NOW, null));
    }

    @Test
    void anOldRefusalOfAnotherVersionDoesNotCount() {
        final List<ModelStatus> one = List.of(status("a", "2", null, refusal("1", NOW.minusSeconds(60))));
        assertEquals("2 on 1/1 instances", FleetView.served("2", null, one, NOW, null));
    }

    @Test
    void staleInstancesAreCountedApart() {
        final ModelStatus old = status("old", "1", null, null, NOW.minusMillis(3 * INTERVAL + 1));
        final ModelStatus recent = status("new", "2", null, null, NOW.minusMillis(3 * INTERVAL));

        assertEquals("2 on 1/1 instances +1 stale", FleetView.served("2", null, List.of(old, recent), NOW, null));
        assertTrue(FleetView.stale(old, NOW, null));
        assertFalse(FleetView.stale(recent, NOW, null));
        // an explicit threshold replaces three intervals
        assertTrue(FleetView.stale(recent, NOW, 1_000L));
        assertEquals("no instance reporting (2 stale)", FleetView.served("2", null, List.of(old, recent), NOW,
                1_000L));
    }

    @Test
    void noReportsReadsNoInstanceReporting() {
        assertEquals("no instance reporting", FleetView.served("1", null, List.of(), NOW, null));
    }

    @Test
    void instanceWithNothingLiveReadsNothing() {
        final List<ModelStatus> one = List.of(status("a", null, null, refusal("1", NOW)));
        assertEquals("nothing on 1/1 (asked 1: refused by 1/1: input_mapping: field 'amount' is not in the "
                + "registered schema of topic '...)", FleetView.served("1", null, one, NOW, null));
    }

    @Test
    void viewIsSortedAndFiltersByModel() {
        final ModelStatus b = status("b", "1", null, null);
        final ModelStatus a = status("a", "1", null, null);
        final ModelStatus other = ModelStatus.newBuilder(a).setModel("credit").build();
        final FleetView view = FleetView.of("scorestream-status", List.of(b, other, a));

        assertEquals(List.of(other, a, b), view.statuses());
        assertEquals(List.of(a, b), view.statuses("fraud"));
    }

    @Test
    void statusRowsShowRoleDeviceRefusalAndHeartbeatAge() {
        final ModelStatus canary = ModelStatus.newBuilder(status("i-1", "1", "2", null)).setRole("canary")
                .setCanaryPercent(12.5).build();
        final ModelStatus refusing = status("i-2", "1", null, refusal("2", NOW), NOW.minusSeconds(10));

        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ModelsCommand.printStatus(List.of(canary, refusing), NOW, null, out);
        }
        final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertEquals(List.of("APPLICATION", "INSTANCE", "MODEL", "STABLE", "CANDIDATE", "ROLE", "DEVICE",
                "LAST_REFUSAL", "HEARTBEAT"), List.of(lines.get(0).split(" {2,}")));
        assertEquals(List.of("scoring", "i-1", "fraud", "1", "2", "canary 12.5%", "cpu", "-", "0.0s ago"),
                List.of(lines.get(1).split(" {2,}")));
        assertEquals(List.of("scoring", "i-2", "fraud", "1", "-", "-", "cpu", "2 input_mapping: field 'amount' is "
                + "not in the registered schema of topic '...", "10.0s ago (stale)"),
                List.of(lines.get(2).split(" {2,}")));
    }

    @Test
    void agesReadInSecondsMinutesOrHours() {
        assertEquals("0.4s ago", ModelsCommand.age(Duration.ofMillis(400)));
        assertEquals("12m05s ago", ModelsCommand.age(Duration.ofSeconds(725)));
        assertEquals("3h02m ago", ModelsCommand.age(Duration.ofMinutes(182)));
    }

    private static ModelStatus status(String instance, String stable, String candidate, ModelRefusal refusal) {
        return status(instance, stable, candidate, refusal, NOW);
    }

    private static ModelStatus status(String instance, String stable, String candidate, ModelRefusal refusal,
                                      Instant heartbeat) {
        return ModelStatus.newBuilder()
                .setApplicationId("scoring")
                .setInstanceId(instance)
                .setModel("fraud")
                .setStableVersion(stable)
                .setCandidateVersion(candidate)
                .setRole(null)
                .setCanaryPercent(null)
                .setDevice("cpu")
                .setLastRefusal(refusal)
                .setHeartbeat(heartbeat)
                .setIntervalMs(INTERVAL)
                .setPipelines(List.of("default"))
                .build();
    }

    private static ModelRefusal refusal(String version, Instant at) {
        return ModelRefusal.newBuilder().setVersion(version).setReason("input_mapping").setMessage(MAPPING_MESSAGE)
                .setAt(at).build();
    }
}
