package io.framegrid.gpunode.reconstruction;

import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Moves files between a task's local workspace and the media library: inputs in (only the job owner's media: a job
 * naming someone else's media id finds nothing), stage results out as the owner's media marked with the project, and
 * folders as zips (the sparse model, the frames).
 */
final class StageFiles {
    private final MediaLibrary media;

    StageFiles(MediaLibrary media) {
        this.media = media;
    }

    MediaLibrary library() {
        return media;
    }

    Media owned(String mediaId, String ownerId) {
        return media.get(mediaId).filter(m -> m.getOwnerId().equals(ownerId))
                .orElseThrow(() -> TaskFailure.permanent("File " + mediaId + " not found", null));
    }

    void download(Media m, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (InputStream in = media.store().open(m.getStorageKey(), 0, -1);
                OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
    }

    /** Stores {@code file} as a new media of {@code owner}, marked as this product's and this project's. */
    Media store(Path file, String owner, String filename, String contentType, String projectId) throws IOException {
        String id = UUID.randomUUID().toString();
        MessageDigest sha = MediaLibrary.sha256();
        BlobStore.BlobWriter writer = media.store().create(MediaLibrary.blobKey(owner, id));
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                writer.write(buffer, 0, n);
            }
            long size = writer.commit();
            return media.register(id, owner, filename, contentType, size, HexFormat.of().formatHex(sha.digest()),
                    Map.of("product", ReconstructionContract.PRODUCT, ReconstructionContract.PROJECT_ID, projectId));
        } finally {
            writer.close();
        }
    }

    /** Zips the files directly in {@code dir} (no sub-folders), stored uncompressed: JPEGs and models barely shrink. */
    static void zip(Path dir, Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                Stream<Path> files = Files.list(dir)) {
            out.setLevel(1);
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new ZipEntry(f.getFileName().toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }

    /** Unzips flat entries into {@code dir}; an entry with a path in it is refused (zip slip). */
    static int unzip(Path zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        int n = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = e.getName();
                if (e.isDirectory() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    throw new IOException("unexpected zip entry " + name);
                }
                Files.copy(in, dir.resolve(name));
                n++;
            }
        }
        return n;
    }

    static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: the temp folder is this task's alone.
                }
            });
        } catch (IOException ignored) {
            // Already gone.
        }
    }
}
