package io.scorestream.inference.registry;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Records every listener call, in order, and lets a test wait for one. Thread-safe. */
final class RecordingListener implements RegistryListener {

    /** One call: {@code kind} is the method name without "on", lower-case. */
    record Event(String kind, String name, String version, String detail, String thread) {
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void onLoaded(String name, String version, long loadNanos, String device) {
        add(new Event("loaded", name, version, device, thread()));
    }

    @Override
    public synchronized void onRefused(String name, String version, String reasonTag, String message) {
        add(new Event("refused", name, version, reasonTag + ": " + message, thread()));
    }

    @Override
    public synchronized void onRetired(String name, String version) {
        add(new Event("retired", name, version, null, thread()));
    }

    @Override
    public synchronized void onSwapped(String name, String oldVersionOrNull, String newVersion) {
        add(new Event("swapped", name, newVersion, "from " + oldVersionOrNull, thread()));
    }

    private static String thread() {
        final Thread t = Thread.currentThread();
        return t.getName() + (t.isDaemon() ? " (daemon)" : "");
    }

    private void add(Event e) {
        events.add(e);
        notifyAll();
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized long count(String kind, String name) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.name().equals(name)).count();
    }

    /** Waits until {@code n} events of {@code kind} for {@code name} were recorded. */
    synchronized void awaitCount(String kind, String name, long n, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (count(kind, name) < n) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("fewer than " + n + " '" + kind + "' events for " + name + " within " + timeout + "; events: "
                        + events);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Waits for the first event of {@code kind} for {@code name} at {@code version}. */
    synchronized Event await(String kind, String name, String version, Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            for (Event e : events) {
                if (e.kind().equals(kind) && e.name().equals(name) && Objects.equals(e.version(), version)) {
                    return e;
                }
            }
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return fail("no '" + kind + "' event for " + name + "@" + version + " within " + timeout
                        + "; events: " + events);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
