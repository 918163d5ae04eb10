package io.framegrid.gpunode.reconstruction;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A COLMAP sparse model as {@code model_converter --output_type TXT} writes it: registered images with their camera
 * centres ({@code C = -Rᵀ t} from the stored world-to-camera pose) and the 3D points with colours. {@link #normals}
 * estimates a normal per point for Poisson meshing: the smallest principal axis of its nearest neighbours, turned
 * towards the mean centre of the cameras (the side the surface was seen from).
 */
record SparseModel(List<Camera> cameras, float[] xyz, byte[] rgb, long totalPoints) {
    record Camera(String name, double cx, double cy, double cz) {}

    int points() {
        return xyz.length / 3;
    }

    static SparseModel read(Path textDir) throws IOException {
        List<Camera> cameras = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(textDir.resolve("images.txt"), StandardCharsets.UTF_8)) {
            String line;
            boolean header = true;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 10) {
                        double qw = Double.parseDouble(f[1]);
                        double qx = Double.parseDouble(f[2]);
                        double qy = Double.parseDouble(f[3]);
                        double qz = Double.parseDouble(f[4]);
                        double[] t = {Double.parseDouble(f[5]), Double.parseDouble(f[6]), Double.parseDouble(f[7])};
                        double[][] r = rotation(qw, qx, qy, qz);
                        double[] c = new double[3];
                        for (int i = 0; i < 3; i++) {
                            c[i] = -(r[0][i] * t[0] + r[1][i] * t[1] + r[2][i] * t[2]);
                        }
                        String name = String.join(" ", Arrays.copyOfRange(f, 9, f.length));
                        cameras.add(new Camera(name, c[0], c[1], c[2]));
                    }
                }
                header = !header;
            }
        }
        List<float[]> pts = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(textDir.resolve("points3D.txt"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split("\\s+", 9);
                pts.add(new float[] {Float.parseFloat(f[1]), Float.parseFloat(f[2]), Float.parseFloat(f[3]),
                        Float.parseFloat(f[4]), Float.parseFloat(f[5]), Float.parseFloat(f[6])});
            }
        }
        float[] xyz = new float[pts.size() * 3];
        byte[] rgb = new byte[pts.size() * 3];
        for (int i = 0; i < pts.size(); i++) {
            float[] p = pts.get(i);
            for (int k = 0; k < 3; k++) {
                xyz[i * 3 + k] = p[k];
                rgb[i * 3 + k] = (byte) Math.round(p[3 + k]);
            }
        }
        return new SparseModel(cameras, xyz, rgb, pts.size());
    }

    /** Every k-th point so that at most {@code max} remain (deterministic); this model when it has fewer. */
    SparseModel subset(int max) {
        int n = points();
        if (n <= max) {
            return this;
        }
        int step = (n + max - 1) / max;
        int m = (n + step - 1) / step;
        float[] x = new float[m * 3];
        byte[] c = new byte[m * 3];
        for (int i = 0, j = 0; i < n && j < m; i += step, j++) {
            System.arraycopy(xyz, i * 3, x, j * 3, 3);
            System.arraycopy(rgb, i * 3, c, j * 3, 3);
        }
        return new SparseModel(cameras, x, c, totalPoints);
    }

    static double[][] rotation(double w, double x, double y, double z) {
        double n = Math.sqrt(w * w + x * x + y * y + z * z);
        w /= n;
        x /= n;
        y /= n;
        z /= n;
        return new double[][] {
                {1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
    }

    /** A unit normal per point from its {@code k} nearest neighbours (brute force: sparse models are small). */
    float[] normals(int k) {
        int n = points();
        float[] normals = new float[n * 3];
        double[] view = new double[3];
        for (Camera c : cameras) {
            view[0] += c.cx() / cameras.size();
            view[1] += c.cy() / cameras.size();
            view[2] += c.cz() / cameras.size();
        }
        int kk = Math.min(k, n - 1);
        float[] dist = new float[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float dx = xyz[j * 3] - xyz[i * 3];
                float dy = xyz[j * 3 + 1] - xyz[i * 3 + 1];
                float dz = xyz[j * 3 + 2] - xyz[i * 3 + 2];
                dist[j] = dx * dx + dy * dy + dz * dz;
            }
            int[] nearest = smallest(dist, kk + 1);
            double[] mean = new double[3];
            for (int j : nearest) {
                for (int a = 0; a < 3; a++) {
                    mean[a] += xyz[j * 3 + a] / nearest.length;
                }
            }
            double[][] cov = new double[3][3];
            for (int j : nearest) {
                for (int a = 0; a < 3; a++) {
                    for (int b = 0; b < 3; b++) {
                        cov[a][b] += (xyz[j * 3 + a] - mean[a]) * (xyz[j * 3 + b] - mean[b]);
                    }
                }
            }
            double[] normal = smallestEigenvector(cov);
            double toView = 0;
            for (int a = 0; a < 3; a++) {
                toView += normal[a] * (view[a] - xyz[i * 3 + a]);
            }
            double sign = toView < 0 ? -1 : 1;
            for (int a = 0; a < 3; a++) {
                normals[i * 3 + a] = (float) (sign * normal[a]);
            }
        }
        return normals;
    }

    /** Indexes of the {@code m} smallest values (partial selection). */
    private static int[] smallest(float[] values, int m) {
        int[] best = new int[m];
        float[] bestV = new float[m];
        Arrays.fill(bestV, Float.MAX_VALUE);
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v >= bestV[m - 1]) {
                continue;
            }
            int pos = m - 1;
            while (pos > 0 && bestV[pos - 1] > v) {
                bestV[pos] = bestV[pos - 1];
                best[pos] = best[pos - 1];
                pos--;
            }
            bestV[pos] = v;
            best[pos] = i;
        }
        return best;
    }

    /** The eigenvector of the smallest eigenvalue of a symmetric 3×3 matrix (Jacobi rotations). */
    static double[] smallestEigenvector(double[][] m) {
        double[][] a = {m[0].clone(), m[1].clone(), m[2].clone()};
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        for (int sweep = 0; sweep < 50; sweep++) {
            double off = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
            if (off < 1e-15) {
                break;
            }
            for (int p = 0; p < 2; p++) {
                for (int q = p + 1; q < 3; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < 3; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < 3; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < 3; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        int min = 0;
        for (int i = 1; i < 3; i++) {
            if (a[i][i] < a[min][min]) {
                min = i;
            }
        }
        double[] e = {v[0][min], v[1][min], v[2][min]};
        double len = Math.sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
        return len == 0 ? new double[] {0, 0, 1} : new double[] {e[0] / len, e[1] / len, e[2] / len};
    }

    /** An ASCII PLY of the points with normals, and with colours when {@code colours}: poisson_mesher's input. */
    void writeOrientedPly(Path file, float[] normals, boolean colours) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("ply\nformat ascii 1.0\nelement vertex " + points() + "\n"
                    + "property float x\nproperty float y\nproperty float z\n"
                    + "property float nx\nproperty float ny\nproperty float nz\n");
            if (colours) {
                w.write("property uchar red\nproperty uchar green\nproperty uchar blue\n");
            }
            w.write("end_header\n");
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < points(); i++) {
                line.setLength(0);
                line.append(String.format(Locale.ROOT, "%.6f %.6f %.6f %.5f %.5f %.5f", xyz[i * 3], xyz[i * 3 + 1],
                        xyz[i * 3 + 2], normals[i * 3], normals[i * 3 + 1], normals[i * 3 + 2]));
                if (colours) {
                    line.append(' ').append(rgb[i * 3] & 0xff).append(' ').append(rgb[i * 3 + 1] & 0xff).append(' ')
                            .append(rgb[i * 3 + 2] & 0xff);
                }
                w.write(line.append('\n').toString());
            }
        }
    }
}
