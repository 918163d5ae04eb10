package io.framegrid.gateway.reconstruction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Strecha's ground-truth cameras ({@code <image>.camera}: K, distortion, R, camera centre C, size) and the RMS of
 * estimated camera centres after the best similarity transform onto them (Umeyama's least squares).
 */
final class GroundTruth {
    private GroundTruth() {
    }

    /** Image name → camera centre. */
    static Map<String, double[]> centres(Path dir) throws IOException {
        Map<String, double[]> out = new HashMap<>();
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".camera")).toList()) {
                List<String> lines = Files.readAllLines(f).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
                String[] c = lines.get(7).split("\\s+");
                String name = f.getFileName().toString().replace(".camera", "");
                out.put(name, new double[] {Double.parseDouble(c[0]), Double.parseDouble(c[1]), Double.parseDouble(c[2])});
            }
        }
        return out;
    }

    /**
     * {RMS distance after aligning {@code est} to {@code truth} with scale, rotation and translation, the scene's size
     * (RMS distance of the true centres from their mean)}.
     */
    static double[] similarityRms(List<double[]> est, List<double[]> truth) {
        int n = est.size();
        double[] me = mean(est);
        double[] mt = mean(truth);
        double varE = 0;
        double[][] cov = new double[3][3];
        for (int i = 0; i < n; i++) {
            double[] e = sub(est.get(i), me);
            double[] t = sub(truth.get(i), mt);
            varE += dot(e, e) / n;
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    cov[a][b] += t[a] * e[b] / n;
                }
            }
        }
        double[][][] usv = Svd3.decompose(cov);
        double[][] u = usv[0];
        double[] s = usv[1][0];
        double[][] v = usv[2];
        double[] d = {1, 1, Math.signum(det(u) * det(v))};
        double[][] r = new double[3][3];
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                for (int k = 0; k < 3; k++) {
                    r[a][b] += u[a][k] * d[k] * v[b][k];
                }
            }
        }
        double scale = (s[0] * d[0] + s[1] * d[1] + s[2] * d[2]) / varE;
        double sum = 0;
        double size = 0;
        for (int i = 0; i < n; i++) {
            double[] e = sub(est.get(i), me);
            double[] aligned = new double[3];
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    aligned[a] += scale * r[a][b] * e[b];
                }
                aligned[a] += mt[a];
            }
            double[] diff = sub(aligned, truth.get(i));
            sum += dot(diff, diff);
            double[] t = sub(truth.get(i), mt);
            size += dot(t, t);
        }
        return new double[] {Math.sqrt(sum / n), Math.sqrt(size / n)};
    }

    private static double[] mean(List<double[]> pts) {
        double[] m = new double[3];
        for (double[] p : pts) {
            for (int a = 0; a < 3; a++) {
                m[a] += p[a] / pts.size();
            }
        }
        return m;
    }

    private static double[] sub(double[] a, double[] b) {
        return new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    /** SVD of a 3×3 matrix through the symmetric eigenproblem of AᵀA (Jacobi), enough for an alignment. */
    static final class Svd3 {
        static double[][][] decompose(double[][] a) {
            double[][] ata = new double[3][3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 3; k++) {
                        ata[i][j] += a[k][i] * a[k][j];
                    }
                }
            }
            double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
            double[][] m = {ata[0].clone(), ata[1].clone(), ata[2].clone()};
            for (int sweep = 0; sweep < 100; sweep++) {
                for (int p = 0; p < 2; p++) {
                    for (int q = p + 1; q < 3; q++) {
                        if (Math.abs(m[p][q]) < 1e-18) {
                            continue;
                        }
                        double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                        if (theta == 0) {
                            t = 1;
                        }
                        double c = 1 / Math.sqrt(t * t + 1);
                        double s = t * c;
                        for (int k = 0; k < 3; k++) {
                            double x = m[k][p];
                            double y = m[k][q];
                            m[k][p] = c * x - s * y;
                            m[k][q] = s * x + c * y;
                        }
                        for (int k = 0; k < 3; k++) {
                            double x = m[p][k];
                            double y = m[q][k];
                            m[p][k] = c * x - s * y;
                            m[q][k] = s * x + c * y;
                        }
                        for (int k = 0; k < 3; k++) {
                            double x = v[k][p];
                            double y = v[k][q];
                            v[k][p] = c * x - s * y;
                            v[k][q] = s * x + c * y;
                        }
                    }
                }
            }
            // Descending singular values, so the sign correction lands on the smallest.
            Integer[] order = {0, 1, 2};
            java.util.Arrays.sort(order, (x, y) -> Double.compare(m[y][y], m[x][x]));
            double[][] vs = new double[3][3];
            double[] eig = new double[3];
            for (int j = 0; j < 3; j++) {
                eig[j] = m[order[j]][order[j]];
                for (int i = 0; i < 3; i++) {
                    vs[i][j] = v[i][order[j]];
                }
            }
            v = vs;
            for (int j = 0; j < 3; j++) {
                m[j][j] = eig[j];
            }
            double[] sigma = new double[3];
            double[][] u = new double[3][3];
            for (int j = 0; j < 3; j++) {
                sigma[j] = Math.sqrt(Math.max(0, m[j][j]));
                for (int i = 0; i < 3; i++) {
                    double av = 0;
                    for (int k = 0; k < 3; k++) {
                        av += a[i][k] * v[k][j];
                    }
                    u[i][j] = sigma[j] > 1e-12 ? av / sigma[j] : 0;
                }
            }
            if (sigma[2] <= 1e-9 * sigma[0]) {
                // Rank 2 (coplanar points): the third axis is the normal of the other two.
                u[0][2] = u[1][0] * u[2][1] - u[2][0] * u[1][1];
                u[1][2] = u[2][0] * u[0][1] - u[0][0] * u[2][1];
                u[2][2] = u[0][0] * u[1][1] - u[1][0] * u[0][1];
            }
            return new double[][][] {u, {sigma}, v};
        }
    }
}
