package io.scorestream.app.stack;

import java.util.HashSet;
import java.util.Set;

/**
 * The ports a {@link LocalStack} listens on, all on {@code 127.0.0.1}; {@code 0} picks a free one.
 * Immutable.
 *
 * @param kafka the broker's client listener
 * @param registry the schema registry's HTTP port
 * @param postgres PostgreSQL's port
 * @param connect the Kafka Connect worker's REST port
 */
public record StackPorts(int kafka, int registry, int postgres, int connect) {

    /** The usual ports of each part: Kafka 9092, schema registry 8081, PostgreSQL 5432, Connect 8083. */
    public static final StackPorts DEFAULTS = new StackPorts(9092, 8081, 5432, 8083);

    /** Free ports, chosen at start. */
    public static final StackPorts ANY_FREE = new StackPorts(0, 0, 0, 0);

    /**
     * @throws IllegalArgumentException if a port is outside 0..65535, or a fixed port is given twice
     */
    public StackPorts {
        final Set<Integer> fixed = new HashSet<>();
        for (int port : new int[] {kafka, registry, postgres, connect}) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("A port must be in 0..65535, got " + port);
            }
            if (port != 0 && !fixed.add(port)) {
                throw new IllegalArgumentException("Port " + port + " is given to two parts");
            }
        }
    }

    /** The port of {@code part}. */
    public int of(LocalStack.Part part) {
        return switch (part) {
            case KAFKA -> kafka;
            case REGISTRY -> registry;
            case POSTGRES -> postgres;
            case CONNECT -> connect;
        };
    }
}
