package io.framegrid.gpunode.engine.motion;

import java.util.List;

/**
 * Ego speed from {@link RoadFlow} band measures: a ridge regression over the bands (standardised, intercept
 * unpenalised) for the estimate, plus one least-squares line per band (speed ≈ slope · band + offset) whose
 * spread around the estimate says how far the bands agree. Confidence falls with that spread relative to the
 * speed (and with few pixels flowing downward): 1 when every band tells the same speed, towards 0 as they scatter.
 * Coefficients are plain arrays so a product can store them in its own record.
 */
public final class SpeedRegression {
    /** Ridge penalty on the standardised features. */
    public static final double LAMBDA = 1e-2;

    /** A fitted model: ridge weights ({@code intercept, w1..wB} in raw feature units) and the per-band lines. */
    public record Coefficients(double[] weights, double[] bandSlopes, double[] bandOffsets) {}

    /** A speed (m/s, never negative) with its confidence (0..1). */
    public record Estimate(double speed, double confidence) {}

    private SpeedRegression() {
    }

    /** Fits on {@code features} (rows of {@link RoadFlow#BANDS} values) and their speeds {@code labels} (m/s). */
    public static Coefficients fit(List<double[]> features, double[] labels) {
        int n = features.size();
        int d = features.get(0).length;
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (double[] x : features) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[j] / n;
            }
        }
        for (double[] x : features) {
            for (int j = 0; j < d; j++) {
                sd[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / n;
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(sd[j]) + 1e-12;
        }
        double labelMean = 0;
        for (double y : labels) {
            labelMean += y / n;
        }
        // Normal equations on standardised features: (Z'Z + n·λI) w = Z'(y - ȳ).
        double[][] a = new double[d][d + 1];
        for (int i = 0; i < n; i++) {
            double[] x = features.get(i);
            for (int j = 0; j < d; j++) {
                double zj = (x[j] - mean[j]) / sd[j];
                for (int k = 0; k < d; k++) {
                    a[j][k] += zj * (x[k] - mean[k]) / sd[k];
                }
                a[j][d] += zj * (labels[i] - labelMean);
            }
        }
        for (int j = 0; j < d; j++) {
            a[j][j] += n * LAMBDA;
        }
        double[] wz = solve(a);
        double[] weights = new double[d + 1];
        weights[0] = labelMean;
        for (int j = 0; j < d; j++) {
            weights[j + 1] = wz[j] / sd[j];
            weights[0] -= wz[j] * mean[j] / sd[j];
        }
        double[] slopes = new double[d];
        double[] offsets = new double[d];
        for (int j = 0; j < d; j++) {
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++) {
                double dx = features.get(i)[j] - mean[j];
                sxy += dx * (labels[i] - labelMean);
                sxx += dx * dx;
            }
            slopes[j] = sxx == 0 ? 0 : sxy / sxx;
            offsets[j] = labelMean - slopes[j] * mean[j];
        }
        return new Coefficients(weights, slopes, offsets);
    }

    /** The estimate for one measure. */
    public static Estimate predict(Coefficients c, double[] bands, double downward) {
        double v = c.weights()[0];
        for (int j = 0; j < bands.length; j++) {
            v += c.weights()[j + 1] * bands[j];
        }
        double speed = Math.max(0, v);
        double spread = 0;
        for (int j = 0; j < bands.length; j++) {
            double e = c.bandSlopes()[j] * bands[j] + c.bandOffsets()[j];
            spread += (e - speed) * (e - speed) / bands.length;
        }
        spread = Math.sqrt(spread);
        // Relative disagreement, with 2 m/s of grace so near-standstill does not read as chaos.
        double agreement = 1 / (1 + spread / (Math.abs(speed) + 2));
        double flowing = Math.min(1, Math.max(0, downward) / 0.5);
        double confidence = agreement * (0.5 + 0.5 * flowing);
        return new Estimate(speed, Math.max(0, Math.min(1, confidence)));
    }

    /** Gaussian elimination with partial pivoting on an augmented {@code d × (d+1)} matrix. */
    private static double[] solve(double[][] a) {
        int d = a.length;
        for (int col = 0; col < d; col++) {
            int pivot = col;
            for (int r = col + 1; r < d; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = a[col];
            a[col] = a[pivot];
            a[pivot] = t;
            for (int r = 0; r < d; r++) {
                if (r != col && a[col][col] != 0) {
                    double f = a[r][col] / a[col][col];
                    for (int k = col; k <= d; k++) {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = a[j][j] == 0 ? 0 : a[j][d] / a[j][j];
        }
        return x;
    }
}
