package io.framegrid.gateway.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reference alignment behind the reconstruction accuracy figures: it must undo any similarity exactly. */
class GroundTruthTest {
    @Test
    void aRotatedScaledShiftedCopyAlignsWithNoResidual() {
        Random random = new Random(7);
        List<double[]> truth = new ArrayList<>();
        List<double[]> est = new ArrayList<>();
        double angle = 0.7;
        for (int i = 0; i < 8; i++) {
            double[] p = {random.nextGaussian() * 3, random.nextGaussian() * 3, random.nextGaussian()};
            truth.add(p);
            // About z by 0.7 rad, scale 0.25, shifted: what a reconstruction's own frame looks like.
            est.add(new double[] {0.25 * (Math.cos(angle) * p[0] - Math.sin(angle) * p[1]) + 5,
                    0.25 * (Math.sin(angle) * p[0] + Math.cos(angle) * p[1]) - 2, 0.25 * p[2] + 1});
        }
        double[] fit = GroundTruth.similarityRms(est, truth);
        assertThat(fit[0]).isCloseTo(0, within(1e-9));
        assertThat(fit[1]).isGreaterThan(1);
    }

    @Test
    void coplanarPointsAlignAndNoiseShowsInTheResidual() {
        List<double[]> truth = new ArrayList<>();
        List<double[]> est = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            double[] p = {i % 3, i / 3, 0};
            truth.add(p);
            est.add(new double[] {2 * p[1], -2 * p[0], (i == 4 ? 0.2 : 0)});
        }
        double[] fit = GroundTruth.similarityRms(est, truth);
        assertThat(fit[0]).isGreaterThan(0.01).isLessThan(0.1);
    }
}
