package io.scorestream.inference.registry;

import static io.scorestream.inference.registry.RegistryFixtures.LOADER;
import static io.scorestream.inference.registry.RegistryFixtures.NAME;
import static io.scorestream.inference.registry.RegistryFixtures.WAIT;
import static io.scorestream.inference.registry.RegistryFixtures.scoreOne;
import static io.scorestream.inference.registry.RegistryFixtures.settings;
import static io.scorestream.inference.registry.RegistryFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.ScoringModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelRegistryConcurrencyTest {

    private static final int WORKERS = 4;
    private static final int VERSIONS = 20;

    @Test
    void leasesStayUsableWhileVersionsSwapRepeatedlyAndEveryRetiredVersionCloses() throws Exception {
        // given: version 1 live, and stream-thread-like workers leasing, scoring and releasing
        final RecordingListener listener = new RecordingListener();
        final RegistrySettings settings = settings().build();
        final ModelRegistry registry = new ModelRegistry(settings, LOADER, new DefaultArtifactFetcher(settings),
                listener);
        registry.submit(NAME, spec("1", 1));
        assertTrue(registry.awaitLive(NAME, WAIT));

        final AtomicBoolean stop = new AtomicBoolean();
        final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final Set<ScoringModel> seen = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final AtomicLong leases = new AtomicLong();
        final List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            final int id = w;
            final Thread t = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    try (ModelLease lease = registry.acquire(NAME)) {
                        assertNotNull(lease, "a version is live throughout");
                        seen.add(lease.model());
                        scoreOne(lease, i++);
                        if (ThreadLocalRandom.current().nextInt(8) == 0) {
                            // a slow batch, so swaps happen while leases are out
                            TimeUnit.MILLISECONDS.sleep(2);
                            scoreOne(lease, i++);
                        }
                        leases.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                        return;
                    }
                }
            }, "worker-" + id);
            workers.add(t);
            t.start();
        }

        awaitMoreLeases(leases, failures);

        // when: the loader swaps versions 2..N in, one after another
        for (int v = 2; v <= VERSIONS; v++) {
            registry.submit(NAME, spec(Integer.toString(v), v));
            listener.await("swapped", NAME, Integer.toString(v), WAIT);
            awaitMoreLeases(leases, failures);
        }
        stop.set(true);
        for (Thread t : workers) {
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive(), t.getName() + " finished");
        }

        // then
        assertTrue(failures.isEmpty(), () -> "worker failures: " + failures);
        assertTrue(leases.get() > WORKERS, "leases taken: " + leases.get());
        assertEquals(Integer.toString(VERSIONS), registry.live(NAME).orElseThrow().version());
        final Map<String, Boolean> closedByVersion = new TreeMap<>();
        ScoringModel current = null;
        synchronized (seen) {
            for (ScoringModel m : seen) {
                closedByVersion.put(m.version(), m.isClosed());
                if (m.version().equals(Integer.toString(VERSIONS))) {
                    current = m;
                }
            }
        }
        assertEquals(VERSIONS, closedByVersion.size(), "workers saw several versions: " + closedByVersion.keySet());
        closedByVersion.forEach((version, closed) -> assertEquals(!version.equals(Integer.toString(VERSIONS)),
                closed, "version " + version + " closed once retired and released"));

        registry.close();
        if (current != null) {
            assertTrue(current.isClosed(), "closing the registry closes the unleased live version");
        }
        assertEquals(0, listener.count("refused", NAME));
    }

    /**
     * Lets the workers finish a few more leases, so that each version is leased (at most one lease
     * per worker began before the last swap) and swaps happen while leases are out.
     */
    private static void awaitMoreLeases(AtomicLong leases, Queue<Throwable> failures) throws InterruptedException {
        final long target = leases.get() + 4L * WORKERS;
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (leases.get() < target && failures.isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }
}
