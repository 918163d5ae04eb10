package io.framegrid.gpunode.engine.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AssignmentTest {
    private static final double X = Double.POSITIVE_INFINITY;

    @Test
    void findsTheMatchingGreedyPairingMisses() {
        // Greedy takes (0,0) at cost 0.1 and strands row 1; the optimum pairs both rows.
        double[][] cost = {{0.1, 0.2}, {0.3, X}};
        assertThat(Assignment.solve(cost, 0.8)).containsExactly(1, 0);
    }

    @Test
    void pairsAtOrAboveTheLimitAndForbiddenPairsStayUnmatched() {
        double[][] cost = {{0.95, X}, {X, 0.4}, {0.5, 0.6}};
        assertThat(Assignment.solve(cost, 0.8)).containsExactly(-1, 1, 0);
        assertThat(Assignment.solve(new double[0][0], 0.8)).isEmpty();
        assertThat(Assignment.solve(new double[][] {{X, X}}, 0.8)).containsExactly(-1);
    }

    @Test
    void agreesWithExhaustiveSearchOnRandomMatrices() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            int rows = 1 + random.nextInt(5);
            int cols = 1 + random.nextInt(5);
            double[][] cost = new double[rows][cols];
            for (double[] row : cost) {
                for (int j = 0; j < cols; j++) {
                    row[j] = random.nextDouble() < 0.25 ? X : random.nextDouble();
                }
            }
            double limit = 0.8;
            assertThat(total(cost, Assignment.solve(cost, limit), limit))
                    .isCloseTo(best(cost, 0, new boolean[cols], limit), org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    private static double total(double[][] cost, int[] match, double limit) {
        int cols = cost[0].length;
        double sum = 0;
        int matched = 0;
        for (int i = 0; i < match.length; i++) {
            if (match[i] >= 0) {
                assertThat(cost[i][match[i]]).isLessThan(limit);
                sum += cost[i][match[i]];
                matched++;
            }
        }
        return sum + (match.length - matched + cols - matched) * limit / 2;
    }

    /** Cost of the best assignment by trying every one (unmatched costs limit/2 per side). */
    private static double best(double[][] cost, int row, boolean[] used, double limit) {
        if (row == cost.length) {
            int free = 0;
            for (boolean u : used) {
                free += u ? 0 : 1;
            }
            return free * limit / 2;
        }
        double best = limit / 2 + best(cost, row + 1, used, limit);
        for (int j = 0; j < used.length; j++) {
            if (!used[j] && cost[row][j] < limit) {
                used[j] = true;
                best = Math.min(best, cost[row][j] + best(cost, row + 1, used, limit));
                used[j] = false;
            }
        }
        return best;
    }
}
