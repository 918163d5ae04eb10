package io.framegrid.coordinator.media;

import static io.framegrid.coordinator.media.MediaScenarios.chunk;
import static io.framegrid.coordinator.media.MediaScenarios.failure;
import static io.framegrid.coordinator.media.MediaScenarios.newUser;
import static io.framegrid.coordinator.media.MediaScenarios.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.proto.media.v1.InitUploadRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.media.v1.UploadSession;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.media.MediaClient;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MediaGrpcServiceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(
            "media.max-size-mb.free", 4,
            "media.upload-expiry", "1h"));

    @AfterEach
    void resetClock() {
        cluster.clock().reset();
    }

    @Test
    void streamedUploadAndRangedDownload() {
        MediaScenarios.streamedUploadAndRangedDownload(newUser(cluster));
    }

    @Test
    void chunkedUploadTakesShuffledAndDuplicatedChunksAndResumes() {
        MediaScenarios.chunkedUploadWithShuffledDuplicatedChunksAndResume(newUser(cluster));
    }

    @Test
    void checksumMismatchIsRejectedAtCompletion() {
        MediaScenarios.checksumMismatchIsRejected(newUser(cluster));
    }

    @Test
    void invalidUploadRequestsAreRefusedWithTheirCodeAndReason() {
        MediaClient media = newUser(cluster);
        InitUploadRequest valid = InitUploadRequest.newBuilder().setFilename("a.bin").setTotalSize(10)
                .setChunkSize(10).build();
        Map<String, InitUploadRequest> invalid = Map.of(
                "INVALID_FILENAME", valid.toBuilder().setFilename("").build(),
                "INVALID_SIZE", valid.toBuilder().setTotalSize(0).build(),
                "INVALID_CHUNK_SIZE", valid.toBuilder().setChunkSize(0).build(),
                "INVALID_CHECKSUM", valid.toBuilder().setSha256("not-hex").build());
        invalid.forEach((reason, request) -> {
            FramegridException e = failure(() -> media.initUpload(request));
            assertThat(e.code()).as(reason).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.reason()).isEqualTo(reason);
        });

        UploadSession session = media.initUpload(valid);
        FramegridException chunkIndex = failure(() -> media.uploadChunk(session.getUploadId(), 1, chunk(random(10, 6), 0, 10)));
        assertThat(chunkIndex.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(chunkIndex.reason()).isEqualTo("INVALID_CHUNK_INDEX");
        FramegridException missing = failure(() -> media.completeUpload(session.getUploadId(), ""));
        assertThat(missing.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(missing.reason()).isEqualTo("CHUNKS_MISSING");
        FramegridException unknown = failure(() -> media.getUpload("no-such-upload"));
        assertThat(unknown.code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.reason()).isEqualTo("UPLOAD_NOT_FOUND");
    }

    @Test
    void uploadsOverTheTierLimitAreRefused() {
        MediaClient media = newUser(cluster);
        FramegridException declared = failure(() -> media.initUpload(InitUploadRequest.newBuilder()
                .setFilename("huge.mp4").setTotalSize(5L << 20).setChunkSize(1 << 20).build()));
        assertThat(declared.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(declared.reason()).isEqualTo("FILE_TOO_LARGE");
        FramegridException streamed = failure(() -> media.upload(UploadHeader.newBuilder().setFilename("huge.mp4").build(),
                new ByteArrayInputStream(random((4 << 20) + 1, 5))));
        assertThat(streamed.reason()).isEqualTo("FILE_TOO_LARGE");
        assertThat(media.list(50, 0).getTotal()).isZero();
    }

    @Test
    void chunksAreValidatedAndAnotherUsersMediaIsNotFound() {
        MediaClient owner = newUser(cluster);
        MediaClient stranger = newUser(cluster);
        byte[] data = random(1000, 6);
        UploadSession session = owner.initUpload(InitUploadRequest.newBuilder().setFilename("a.bin")
                .setTotalSize(1000).setChunkSize(400).build());
        assertThat(failure(() -> owner.uploadChunk(session.getUploadId(), 3, chunk(data, 0, 400))).reason())
                .isEqualTo("INVALID_CHUNK_INDEX");
        assertThat(failure(() -> owner.uploadChunk(session.getUploadId(), 2, chunk(data, 0, 400))).reason())
                .isEqualTo("INVALID_CHUNK_SIZE");
        assertThat(failure(() -> stranger.uploadChunk(session.getUploadId(), 0, chunk(data, 0, 400))).reason())
                .isEqualTo("UPLOAD_NOT_FOUND");
        Media m = owner.upload(UploadHeader.newBuilder().setFilename("b.bin").build(), new ByteArrayInputStream(data));
        assertThat(failure(() -> stranger.get(m.getMediaId())).code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> stranger.download(m.getMediaId(), 0, 0, java.io.OutputStream.nullOutputStream()))
                .reason()).isEqualTo("MEDIA_NOT_FOUND");
        assertThat(failure(() -> stranger.delete(m.getMediaId())).reason()).isEqualTo("MEDIA_NOT_FOUND");
        assertThat(stranger.list(50, 0).getTotal()).isZero();
        assertThat(failure(() -> cluster.client().media().get(m.getMediaId())).code())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void abandonedUploadsExpireWithTheirChunks() throws Exception {
        MediaClient media = newUser(cluster);
        byte[] data = random(1000, 8);
        UploadSession session = media.initUpload(InitUploadRequest.newBuilder().setFilename("gone.bin")
                .setTotalSize(1000).setChunkSize(500).build());
        media.uploadChunk(session.getUploadId(), 1, chunk(data, 1, 500));
        Path chunks = cluster.config().media().localDir().resolve("uploads").resolve(session.getUploadId());
        assertThat(Files.exists(chunks)).isTrue();
        assertThat(cluster.server().mediaLibrary().expireUploads()).isZero();
        cluster.clock().advance(Duration.ofHours(2));
        assertThat(cluster.server().mediaLibrary().expireUploads()).isGreaterThanOrEqualTo(1);
        assertThat(Files.exists(chunks)).isFalse();
        cluster.clock().reset();
        assertThat(failure(() -> media.getUpload(session.getUploadId())).reason()).isEqualTo("UPLOAD_NOT_FOUND");
    }
}
