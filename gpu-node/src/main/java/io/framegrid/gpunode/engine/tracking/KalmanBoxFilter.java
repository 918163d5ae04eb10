package io.framegrid.gpunode.engine.tracking;

/**
 * ByteTrack's constant-velocity Kalman filter over {@code [cx, cy, aspect, h]} and their velocities, one step per
 * analysed frame. Noise scales with the box height, as in the reference implementation (position 1/20, velocity 1/160).
 */
final class KalmanBoxFilter {
    private static final double STD_POSITION = 1.0 / 20;
    private static final double STD_VELOCITY = 1.0 / 160;

    final double[] mean = new double[8];
    final double[][] cov = new double[8][8];

    /** Starts from a measurement {@code [cx, cy, aspect, h]} with zero velocity. */
    KalmanBoxFilter(double[] z) {
        System.arraycopy(z, 0, mean, 0, 4);
        double h = z[3];
        double[] std = {2 * STD_POSITION * h, 2 * STD_POSITION * h, 1e-2, 2 * STD_POSITION * h,
                10 * STD_VELOCITY * h, 10 * STD_VELOCITY * h, 1e-5, 10 * STD_VELOCITY * h};
        for (int i = 0; i < 8; i++) {
            cov[i][i] = std[i] * std[i];
        }
    }

    void predict() {
        double h = mean[3];
        double[] std = {STD_POSITION * h, STD_POSITION * h, 1e-2, STD_POSITION * h,
                STD_VELOCITY * h, STD_VELOCITY * h, 1e-5, STD_VELOCITY * h};
        for (int i = 0; i < 4; i++) {
            mean[i] += mean[i + 4];
        }
        // P = F P F^T + Q with F = [[I, I], [0, I]].
        double[][] fp = new double[8][8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                fp[i][j] = cov[i][j] + (i < 4 ? cov[i + 4][j] : 0);
            }
        }
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                cov[i][j] = fp[i][j] + (j < 4 ? fp[i][j + 4] : 0);
            }
            cov[i][i] += std[i] * std[i];
        }
    }

    void update(double[] z) {
        double h = mean[3];
        double[] r = {STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h};
        double[][] s = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                s[i][j] = cov[i][j];
            }
            s[i][i] += r[i] * r[i];
        }
        double[][] sInv = invert4(s);
        double[][] k = new double[8][4];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 4; j++) {
                double v = 0;
                for (int m = 0; m < 4; m++) {
                    v += cov[i][m] * sInv[m][j];
                }
                k[i][j] = v;
            }
        }
        double[] innovation = new double[4];
        for (int i = 0; i < 4; i++) {
            innovation[i] = z[i] - mean[i];
        }
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 4; j++) {
                mean[i] += k[i][j] * innovation[j];
            }
        }
        // P = P - K H P (K S K^T == K H P).
        double[][] khp = new double[8][8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                double v = 0;
                for (int m = 0; m < 4; m++) {
                    v += k[i][m] * cov[m][j];
                }
                khp[i][j] = v;
            }
        }
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                cov[i][j] -= khp[i][j];
            }
        }
    }

    /** The predicted box as {@code [x, y, w, h]} (top-left). */
    double[] box() {
        double w = mean[2] * mean[3];
        return new double[] {mean[0] - w / 2, mean[1] - mean[3] / 2, w, mean[3]};
    }

    static double[] measurement(double x, double y, double w, double h) {
        return new double[] {x + w / 2, y + h / 2, w / Math.max(h, 1e-6), h};
    }

    private static double[][] invert4(double[][] a) {
        int n = 4;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = m[c];
            m[c] = m[pivot];
            m[pivot] = t;
            double p = m[c][c];
            for (int j = 0; j < 2 * n; j++) {
                m[c][j] /= p;
            }
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = m[r][c];
                    for (int j = 0; j < 2 * n; j++) {
                        m[r][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }
}
