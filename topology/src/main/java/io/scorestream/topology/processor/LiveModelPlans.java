package io.scorestream.topology.processor;

import io.scorestream.inference.ScoringModel;
import io.scorestream.inference.registry.ModelRegistry;
import io.scorestream.inference.registry.RolloutLease;
import io.scorestream.schemas.RolloutRole;
import java.util.Objects;
import org.apache.avro.Schema;

/**
 * Plans from what the {@link ModelRegistry} has live for one model name: lane 0 is the stable
 * version; during a rollout lane 1 is the candidate. A canary scores the keys
 * {@link RolloutLease#routesToCanary} picks instead of stable (sticky per key, the same on every
 * instance); a shadow scores every record beside stable, its scores going to the shadow topic and
 * compared with stable's.
 */
public final class LiveModelPlans implements ModelPlans {

    /** Role of lane 0, and of every score when no rollout is in progress. */
    public static final String STABLE = "stable";
    /** Role of a canary candidate's scores. */
    public static final String CANARY = "canary";
    /** Role of a shadow candidate's scores. */
    public static final String SHADOW = "shadow";

    private final ModelRegistry registry;
    private final String modelName;

    public LiveModelPlans(ModelRegistry registry, String modelName) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
    }

    @Override
    public BatchPlan open() {
        final RolloutLease lease = registry.acquireRollout(modelName);
        return lease == null ? null : new Plan(lease);
    }

    @Override
    public void featureSchemaSeen(Schema schema) {
        registry.registerFeatureSchema(modelName, schema);
    }

    @Override
    public String describe() {
        return "model '" + modelName + "'";
    }

    private static final class Plan implements BatchPlan {
        private final RolloutLease lease;
        private final ScoringModel stable;
        private final ScoringModel candidate;
        private final RolloutRole role;

        Plan(RolloutLease lease) {
            this.lease = lease;
            this.stable = lease.stable().model();
            this.candidate = lease.candidate() == null ? null : lease.candidate().model();
            this.role = lease.role();
        }

        @Override
        public int lanes() {
            return candidate == null ? 1 : 2;
        }

        @Override
        public ScoringModel model(int lane) {
            return lane == 0 ? stable : candidate;
        }

        @Override
        public String role(int lane) {
            return lane == 0 ? STABLE : role == RolloutRole.CANARY ? CANARY : SHADOW;
        }

        @Override
        public boolean isShadow(int lane) {
            return lane == 1 && role == RolloutRole.SHADOW;
        }

        @Override
        public int comparedWith(int lane) {
            return isShadow(lane) ? 0 : -1;
        }

        @Override
        public int route(byte[] key, long timestamp) {
            if (candidate == null) {
                return 1;
            }
            if (role == RolloutRole.SHADOW) {
                return 0b11;
            }
            return lease.routesToCanary(key) ? 0b10 : 0b01;
        }

        @Override
        public void close() {
            lease.close();
        }
    }
}
