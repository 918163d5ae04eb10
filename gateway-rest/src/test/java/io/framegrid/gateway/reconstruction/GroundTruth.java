package io.framegrid.gateway.reconstruction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

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
        double[][][] usv = svd(cov);
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
    /**
     * {@code a = u · diag(s) · vᵀ} by OpenCV's SVD, returned as {u, {s}, v}: the reference alignment shares no code
     * with the node's own solver.
     */
    private static double[][][] svd(double[][] a) {
        try (Mat m = new Mat(3, 3, opencv_core.CV_64F); Mat w = new Mat(); Mat u = new Mat(); Mat vt = new Mat()) {
            DoubleIndexer in = m.createIndexer();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    in.put(i, j, a[i][j]);
                }
            }
            opencv_core.SVDecomp(m, w, u, vt);
            DoubleIndexer ws = w.createIndexer();
            DoubleIndexer us = u.createIndexer();
            DoubleIndexer vts = vt.createIndexer();
            double[] sigma = new double[3];
            double[][] uu = new double[3][3];
            double[][] v = new double[3][3];
            for (int i = 0; i < 3; i++) {
                sigma[i] = ws.get(i);
                for (int j = 0; j < 3; j++) {
                    uu[i][j] = us.get(i, j);
                    v[i][j] = vts.get(j, i);
                }
            }
            return new double[][][] {uu, {sigma}, v};
        }
    }
}
