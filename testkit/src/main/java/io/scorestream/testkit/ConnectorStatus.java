package io.scorestream.testkit;

import java.util.List;
import java.util.Objects;

/**
 * What a Connect worker answers to {@code GET /connectors/{name}/status}: the state of the
 * connector and of each of its tasks. States are Connect's ({@code UNASSIGNED}, {@code RUNNING},
 * {@code PAUSED}, {@code STOPPED}, {@code FAILED}, {@code RESTARTING}), kept as strings so that a
 * state a later Kafka adds is shown, not rejected. Immutable.
 *
 * @param name the connector name
 * @param state the connector's state
 * @param workerId the worker that runs the connector ({@code host:port})
 * @param trace the stack trace of a failed connector, or {@code null}
 * @param tasks the tasks, by id; empty until the connector has started some
 */
public record ConnectorStatus(String name, String state, String workerId, String trace, List<TaskStatus> tasks) {

    /** The state of a running connector or task. */
    public static final String RUNNING = "RUNNING";
    /** The state of a connector or task that failed; its {@code trace} says why. */
    public static final String FAILED = "FAILED";

    /** Copies {@code tasks}; {@code trace} and {@code workerId} may be null. */
    public ConnectorStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        tasks = List.copyOf(tasks);
    }

    /**
     * Whether the connector runs with at least one task and every task runs. (Right after a
     * connector is created its status can be {@code RUNNING} with no task yet; that is not running.)
     */
    public boolean isRunning() {
        return RUNNING.equals(state) && !tasks.isEmpty()
                && tasks.stream().allMatch(task -> RUNNING.equals(task.state()));
    }

    /** Whether the connector or any of its tasks has failed. */
    public boolean hasFailed() {
        return FAILED.equals(state) || tasks.stream().anyMatch(task -> FAILED.equals(task.state()));
    }

    /**
     * The state of one task.
     *
     * @param id the task id, from 0
     * @param state the task's state
     * @param workerId the worker that runs the task
     * @param trace the stack trace of a failed task, or {@code null}
     */
    public record TaskStatus(int id, String state, String workerId, String trace) {

        /** {@code trace} and {@code workerId} may be null. */
        public TaskStatus {
            Objects.requireNonNull(state, "state");
        }
    }
}
