package io.scorestream.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.inference.features.AggregateDefinition;
import io.scorestream.inference.training.BinaryClassificationMetrics;
import io.scorestream.inference.training.SyntheticTransactions;
import io.scorestream.schemas.FeatureColumn;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DemoModelsTest {

    private static final long RATE = 3_000;
    private static DemoModels.Pair pair;

    @BeforeAll
    static void train() {
        pair = DemoModels.trainPair(42, RATE);
    }

    @Test
    void theModelWithAggregatesSeparatesFraudClearlyBetterOnUnseenEventsOfTheLiveFeed() {
        // given: the transactions the live feed makes with seed 42, at its pace, never trained on
        final SyntheticTransactions live = DemoModels.demoTransactions(42);
        final HistoryFeatures features = new HistoryFeatures(DemoAggregates.definitions(),
                DemoAggregates.definitions().stream().map(DemoAggregates::defaultValue).toList());
        final int n = 30_000;
        final double[] plainScores = new double[n];
        final double[] aggregateScores = new double[n];
        final boolean[] labels = new boolean[n];
        // when: both models score them
        for (int i = 0; i < n; i++) {
            final long timestamp = 1_780_000_000_000L + i * 1000L / RATE;
            final Transaction t = live.next(Instant.ofEpochMilli(timestamp));
            final double[] row = features.next(t, timestamp);
            aggregateScores[i] = pair.withAggregates().predict(row)[0];
            plainScores[i] = pair.plain().predict(SyntheticTransactions.features(t))[0];
            labels[i] = t.getIsFraud();
        }
        // then
        final double plain = BinaryClassificationMetrics.rocAuc(plainScores, labels);
        final double withAggregates = BinaryClassificationMetrics.rocAuc(aggregateScores, labels);
        final String figures = String.format(Locale.ROOT, "plain %.4f, with aggregates %.4f", plain, withAggregates);
        System.out.println(figures);
        assertTrue(withAggregates > plain + 0.08, figures);
        assertTrue(plain > 0.6, figures);
    }

    @Test
    void theSpecWithAggregatesDeclaresThemAndMapsThemAfterTheThirtyFields() {
        // when
        final ModelSpec spec = DemoModels.withAggregatesSpec("fraud", "2", pair);
        // then
        assertEquals(DemoAggregates.aggregates(), spec.getAggregates());
        final List<FeatureColumn> columns = spec.getInputs().get(0).getColumns();
        assertEquals(SyntheticTransactions.FEATURE_COUNT + DemoAggregates.count(), columns.size());
        assertEquals(pair.withAggregates().inputWidth(), columns.size());
        for (int i = 0; i < DemoAggregates.count(); i++) {
            final AggregateDefinition d = DemoAggregates.definitions().get(i);
            final FeatureColumn c = columns.get(SyntheticTransactions.FEATURE_COUNT + i);
            assertEquals(d.name(), c.getField());
            assertEquals(d.nullable(), c.getDefaultValue() != null, d.name());
        }
        assertNull(DemoModels.plainSpec("fraud", "1", pair).getAggregates());
        assertEquals(SyntheticTransactions.FEATURE_COUNT, pair.plain().inputWidth());
    }
}
