package io.scorestream.app.security;

import java.util.Locale;

/**
 * Who a set of ACLs is for: what one principal does with the topics of a configuration.
 * {@link AclPlan#of} turns a role and a configuration into the bindings it needs.
 */
public enum AclRole {

    /**
     * The scoring application ({@code scorestream run}): reads the input and model topics, writes the
     * score, shadow, dead-letter and status topics, and owns its Kafka Streams clients' groups,
     * internal topics and transactional ids.
     */
    SCORER,

    /**
     * Whoever only publishes stable model versions ({@code scorestream models publish} without
     * {@code --candidate}, e.g. a CI job): WRITE on the model topic, nothing else.
     */
    PUBLISHER,

    /**
     * An operator running every {@code scorestream models} sub-command: the publisher's WRITE on the
     * model topic, READ of its history (publish {@code --candidate}, ramp, promote, rollback, retire,
     * list) and READ of the status topic (list, status).
     */
    MODELS;

    /** The role as the command line spells it: lower case. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
