package io.scorestream.topology.processor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads pipelined scoring processors run their batches' model runs on
 * ({@link ScoringSettings#pipelined()}): one pool for the JVM, a thread per batch being scored at
 * that moment (a processor has at most one), made when needed and ended after a minute unused.
 * Daemon threads named {@code scorestream-inference-N}: they never keep a JVM alive, and a
 * processor waits for its run before it closes the scorers the run uses.
 */
final class InferenceThreads {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                final Thread t = new Thread(r, "scorestream-inference-" + NEXT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private InferenceThreads() {
    }

    static ExecutorService pool() {
        return POOL;
    }
}
