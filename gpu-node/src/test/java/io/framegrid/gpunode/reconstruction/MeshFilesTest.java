package io.framegrid.gpunode.reconstruction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Normals of the sparse points, and the PLY rewriting the meshing stage relies on. */
class MeshFilesTest {
    @Test
    void pointsOfAPlaneGetItsNormalTurnedTowardsTheCameras() {
        List<SparseModel.Camera> cams = List.of(new SparseModel.Camera("a.jpg", 0, 0, 10),
                new SparseModel.Camera("b.jpg", 1, 0, 10));
        int n = 100;
        float[] xyz = new float[n * 3];
        for (int i = 0; i < n; i++) {
            xyz[i * 3] = i % 10;
            xyz[i * 3 + 1] = i / 10;
            xyz[i * 3 + 2] = 0.01f * (float) Math.sin(i);
        }
        SparseModel m = new SparseModel(cams, xyz, new byte[n * 3], n);
        float[] normals = m.normals(8);
        for (int i = 0; i < n; i++) {
            assertThat((double) normals[i * 3 + 2]).as("point " + i).isCloseTo(1.0, offset(0.05));
        }
        assertThat(m.subset(30).points()).isLessThanOrEqualTo(30).isGreaterThan(20);
        assertThat(m.subset(30).totalPoints()).isEqualTo(n);
    }

    @Test
    void cameraCentresComeFromTheWorldToCameraPose() {
        // Rotation of 90° about z, t = (1, 2, 3): C = -R^T t.
        double h = Math.sqrt(0.5);
        double[][] r = SparseModel.rotation(h, 0, 0, h);
        assertThat(r[0][1]).isCloseTo(-1, offset(1e-12));
        assertThat(r[1][0]).isCloseTo(1, offset(1e-12));
    }

    @Test
    void coloursAreStrippedFromABinaryPlyAndTheFacesKept() throws Exception {
        Path dir = Files.createTempDirectory("ply");
        Path in = dir.resolve("c.ply");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(("ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
                + "property float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nelement face 1\n"
                + "property list uchar int vertex_indices\nend_header\n").getBytes(StandardCharsets.US_ASCII));
        ByteBuffer v = ByteBuffer.allocate(2 * 15 + 13).order(ByteOrder.LITTLE_ENDIAN);
        v.putFloat(1).putFloat(2).putFloat(3).put((byte) 9).put((byte) 8).put((byte) 7);
        v.putFloat(4).putFloat(5).putFloat(6).put((byte) 1).put((byte) 2).put((byte) 3);
        v.put((byte) 3).putInt(0).putInt(1).putInt(0);
        b.write(v.array());
        Files.write(in, b.toByteArray());
        Path out = dir.resolve("p.ply");
        PlyColours.strip(in, out);
        byte[] stripped = Files.readAllBytes(out);
        String text = new String(stripped, StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("red").contains("element face 1");
        int body = text.indexOf("end_header\n") + "end_header\n".length();
        ByteBuffer rest = ByteBuffer.wrap(stripped, body, stripped.length - body).order(ByteOrder.LITTLE_ENDIAN);
        List<Float> coords = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            coords.add(rest.getFloat());
        }
        assertThat(coords).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
        assertThat(rest.get()).isEqualTo((byte) 3);
        assertThat(stripped.length - body).isEqualTo(2 * 12 + 13);
        PlyHeader header = PlyHeader.read(out);
        assertThat(header.count("vertex")).isEqualTo(2);
        assertThat(header.count("face")).isEqualTo(1);
        StageFiles.deleteRecursively(dir);
    }
}
