package io.framegrid.coordinator.media;

import io.framegrid.fabric.media.MediaLibrary;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Media scenarios run against each blob store backend. */
final class MediaScenarios {
    private MediaScenarios() {}

    static MediaClient newUser(CoordinatorExtension cluster) {
        String name = "m" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Sup3rSecret").build());
        FramegridClient user = cluster.client().withBearerToken(
                cluster.client().identity().login(name, "Sup3rSecret").getAccessToken());
        return user.media();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(MediaLibrary.sha256().digest(data));
    }

    static FramegridException failure(Runnable call) {
        try {
            call.run();
        } catch (FramegridException e) {
            return e;
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    static void streamedUploadAndRangedDownload(MediaClient media) {
        byte[] data = random(3 * 1024 * 1024 + 12345, 1);
        Media m = media.upload(UploadHeader.newBuilder().setFilename("clip.mp4").setContentType("video/mp4")
                .setSize(data.length).build(), new ByteArrayInputStream(data));
        assertThat(m.getSize()).isEqualTo(data.length);
        assertThat(m.getSha256()).isEqualTo(sha256(data));
        assertThat(m.getContentType()).isEqualTo("video/mp4");
        assertThat(media.get(m.getMediaId())).isEqualTo(m);

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        assertThat(media.download(m.getMediaId(), 0, 0, all).getMediaId()).isEqualTo(m.getMediaId());
        assertThat(all.size()).isEqualTo(data.length);
        assertThat(Arrays.mismatch(all.toByteArray(), data)).isEqualTo(-1);
        ByteArrayOutputStream range = new ByteArrayOutputStream();
        media.download(m.getMediaId(), 1_000_000, 1_500_000, range);
        assertThat(range.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 1_000_000, 2_500_000));
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        media.download(m.getMediaId(), data.length - 10, 0, tail);
        assertThat(tail.toByteArray()).isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));
        assertThat(media.list(50, 0).getMediaList()).extracting(Media::getMediaId).contains(m.getMediaId());
        assertThat(media.delete(m.getMediaId())).isTrue();
        assertThat(failure(() -> media.get(m.getMediaId())).reason()).isEqualTo("MEDIA_NOT_FOUND");
    }

    static void chunkedUploadWithShuffledDuplicatedChunksAndResume(MediaClient media) {
        int chunkSize = 64 * 1024;
        byte[] data = random(chunkSize * 9 + 777, 2);
        UploadSession session = media.initUpload(InitUploadRequest.newBuilder().setFilename("big.mov")
                .setTotalSize(data.length).setChunkSize(chunkSize).setContentType("video/quicktime")
                .setSha256(sha256(data)).build());
        assertThat(session.getChunkCount()).isEqualTo(10);
        assertThat(session.getMissingChunksCount()).isEqualTo(10);
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Collections.shuffle(order, new Random(7));
        // First attempt: the first six in shuffled order, two of them twice; then the "connection drops".
        List<Integer> firstPass = order.subList(0, 6);
        for (int i : firstPass) {
            media.uploadChunk(session.getUploadId(), i, chunk(data, i, chunkSize));
        }
        UploadSession dup = media.uploadChunk(session.getUploadId(), firstPass.get(0), chunk(data, firstPass.get(0), chunkSize));
        assertThat(dup.getChunksReceived()).isEqualTo(6);
        media.uploadChunk(session.getUploadId(), firstPass.get(3), chunk(data, firstPass.get(3), chunkSize));

        FramegridException early = failure(() -> media.completeUpload(session.getUploadId(), ""));
        assertThat(early.reason()).isEqualTo("CHUNKS_MISSING");
        UploadSession resume = media.getUpload(session.getUploadId());
        assertThat(resume.getMissingChunksList()).containsExactlyInAnyOrderElementsOf(order.subList(6, 10));
        for (int i : resume.getMissingChunksList()) {
            media.uploadChunk(session.getUploadId(), i, chunk(data, i, chunkSize));
        }
        Media m = media.completeUpload(session.getUploadId(), "");
        assertThat(m.getSize()).isEqualTo(data.length);
        assertThat(m.getSha256()).isEqualTo(sha256(data));
        assertThat(m.getFilename()).isEqualTo("big.mov");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        media.download(m.getMediaId(), 0, 0, out);
        assertThat(out.toByteArray()).isEqualTo(data);
        assertThat(failure(() -> media.getUpload(session.getUploadId())).reason()).isEqualTo("UPLOAD_NOT_FOUND");
    }

    static void checksumMismatchIsRejected(MediaClient media) {
        int chunkSize = 32 * 1024;
        byte[] data = random(chunkSize * 3, 3);
        String wrong = sha256(random(10, 4));
        UploadSession session = media.initUpload(InitUploadRequest.newBuilder().setFilename("bad.bin")
                .setTotalSize(data.length).setChunkSize(chunkSize).setSha256(wrong).build());
        for (int i = 2; i >= 0; i--) {
            media.uploadChunk(session.getUploadId(), i, chunk(data, i, chunkSize));
        }
        FramegridException e = failure(() -> media.completeUpload(session.getUploadId(), ""));
        assertThat(e.reason()).isEqualTo("CHECKSUM_MISMATCH");
        // The upload stays open; completing with the right checksum then works.
        assertThat(media.completeUpload(session.getUploadId(), sha256(data)).getSha256()).isEqualTo(sha256(data));
    }

    static ByteString chunk(byte[] data, int index, int chunkSize) {
        int from = index * chunkSize;
        return ByteString.copyFrom(data, from, Math.min(chunkSize, data.length - from));
    }
}
