package io.aurum.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.aurum.bench.ClusterMetrics.Scores;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterMetricsTest {
    private static final Map<String, String> TRUTH = Map.of("a", "1", "b", "1", "c", "2", "d", "2", "e", "3");

    @Test
    void perfectClusteringScoresOne() {
        Map<String, String> same = Map.of("a", "x", "b", "x", "c", "y", "d", "y", "e", "z");
        Scores s = ClusterMetrics.evaluate(TRUTH, same);
        assertThat(s.precision()).isEqualTo(1.0);
        assertThat(s.recall()).isEqualTo(1.0);
        assertThat(s.f1()).isEqualTo(1.0);
        assertThat(s.b3F1()).isEqualTo(1.0);
        assertThat(s.truePairs()).isEqualTo(2);
    }

    @Test
    void knownSmallCase() {
        // predicted {a,b,c} {d} {e}: pairs ab ac bc, of which only ab is true; true pairs ab cd
        Map<String, String> pred = Map.of("a", "x", "b", "x", "c", "x", "d", "y", "e", "z");
        Scores s = ClusterMetrics.evaluate(TRUTH, pred);
        assertThat(s.precision()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(s.recall()).isCloseTo(0.5, within(1e-12));
        assertThat(s.f1()).isCloseTo(0.4, within(1e-12));
        // B-cubed per record: a,b 2/3 and 1; c 1/3 and 1/2; d 1 and 1/2; e 1 and 1
        assertThat(s.b3Precision()).isCloseTo((2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 1 + 1) / 5, within(1e-12));
        assertThat(s.b3Recall()).isCloseTo((1 + 1 + 0.5 + 0.5 + 1) / 5, within(1e-12));
    }

    @Test
    void unplacedRecordsAreSingletonsAndUnknownRecordsAreIgnored() {
        Scores s = ClusterMetrics.evaluate(TRUTH, Map.of("a", "x", "zzz", "x"));
        assertThat(s.predictedPairs()).isZero();
        assertThat(s.precision()).isEqualTo(1.0);
        assertThat(s.recall()).isZero();
        assertThat(s.predictedClusters()).isEqualTo(5);
    }
}
