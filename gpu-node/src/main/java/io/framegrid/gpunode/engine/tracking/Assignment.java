package io.framegrid.gpunode.engine.tracking;

import java.util.Arrays;

/**
 * Minimum-cost assignment of rows to columns (the Hungarian method with potentials, O(n³)); pairs costing
 * {@link Double#POSITIVE_INFINITY} or at least the limit are never matched, so rows and columns may stay unassigned. ByteTrack matches tracks to
 * detections this way: greedy matching by IoU can take a pair that leaves two others unmatched.
 */
final class Assignment {
    private Assignment() {
    }

    /**
     * {@code result[row]} = the matched column, or -1. Leaving a row or a column unmatched costs {@code limit / 2}, so
     * a pair is matched only when its cost is below {@code limit} and no better use of its row and column exists
     * (the cost-limited assignment ByteTrack's reference solves with LAPJV).
     */
    static int[] solve(double[][] cost, double limit) {
        int rows = cost.length;
        int cols = rows == 0 ? 0 : cost[0].length;
        int[] match = new int[rows];
        Arrays.fill(match, -1);
        if (rows == 0 || cols == 0) {
            return match;
        }
        // Real rows and columns plus one "unmatched" partner for each; forbidden pairs cost more than any solution.
        int n = rows + cols;
        double half = limit / 2;
        double forbidden = (Math.abs(limit) + 1) * (n + 1) * 4;
        double[][] a = new double[n + 1][n + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= n; j++) {
                boolean realRow = i <= rows;
                boolean realCol = j <= cols;
                double c;
                if (realRow && realCol) {
                    c = cost[i - 1][j - 1];
                    c = Double.isFinite(c) && c < limit ? c : forbidden;
                } else if (realRow || realCol) {
                    c = half;
                } else {
                    c = 0;
                }
                a[i][j] = c;
            }
        }
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[n + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double cur = a[i0][j] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        for (int j = 1; j <= n; j++) {
            int i = p[j];
            if (i >= 1 && i <= rows && j <= cols && a[i][j] < forbidden) {
                match[i - 1] = j - 1;
            }
        }
        return match;
    }
}
