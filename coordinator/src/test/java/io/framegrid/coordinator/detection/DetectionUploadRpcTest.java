package io.framegrid.coordinator.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectRequest;
import io.framegrid.proto.detection.v1.DetectionServiceGrpc;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Images sent whole ({@code DetectionService.Detect}): stored in the caller's media with their job, under the
 * caller's settings, in one call; refused when empty, too large or badly named, leaving nothing behind.
 */
class DetectionUploadRpcTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private record User(String id, FramegridClient sdk, DetectionClient client) {}

    private static User user() {
        String name = "di" + UUID.randomUUID().toString().substring(0, 8);
        String id = cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Detect1234").build()).getUserId();
        String token = cluster.client().identity().login(name + "@example.com", "Detect1234").getAccessToken();
        FramegridClient sdk = cluster.client().withBearerToken(token);
        return new User(id, sdk, sdk.product(DetectionClient.class));
    }

    private static JobLedger ledger() {
        return new JobLedger(cluster.ignite(), cluster.config().jobs(), cluster.clock());
    }

    private static TaskState task(Job job) {
        return ledger().task(JobLedger.taskId(job.getJobId(), 0, 0)).orElseThrow();
    }

    @Test
    void anImageSentWholeIsStoredInTheCallersMediaAndDetectedWithTheirSettings() throws Exception {
        User u = user();
        u.client().updateSettingsAsync(SettingsUpdate.newBuilder().setConfidenceThreshold(0.7f)
                .setEnableMultiThreading(true).setUseGpu(false).build()).join();
        byte[] image = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};

        Job job = u.client().detectAsync(image, "dog.jpg", "image/jpeg", 1_000_000).join();

        assertThat(job.getType()).isEqualTo(DetectionContract.DETECT);
        assertThat(job.getOwnerId()).isEqualTo(u.id());
        assertThat(job.getDisplayName()).isEqualTo("dog.jpg");
        Map<String, String> params = task(job).getParamsMap();
        assertThat(params).containsEntry(DetectionContract.MAX_PIXELS, "1000000")
                .containsEntry(DetectionContract.MULTI_THREADING, "true")
                .doesNotContainKey(DetectionContract.USE_GPU);
        assertThat(DetectionContract.params(params).getConfidenceThreshold()).isEqualTo(0.7f);
        Media stored = u.sdk().mediaAsync().list(100, 0).join().getMediaList().get(0);
        assertThat(params).containsEntry(DetectionContract.MEDIA_ID, stored.getMediaId());
        assertThat(stored.getFilename()).isEqualTo("dog.jpg");
        assertThat(stored.getContentType()).isEqualTo("image/jpeg");
        assertThat(stored.getSize()).isEqualTo(image.length);
        assertThat(stored.getSha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(image)));
        assertThat(stored.getMetadataMap()).containsEntry("product", DetectionContract.PRODUCT);
        try (var in = cluster.server().mediaLibrary().store().open(stored.getStorageKey(), 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(image);
        }
    }

    @Test
    void anImageOverTheInlineLimitGoesThroughTheMediaStore() {
        User u = user();
        byte[] image = new byte[DetectionContract.MAX_INLINE_IMAGE_BYTES + 1];
        Arrays.fill(image, (byte) 7);

        Job job = u.client().detectAsync(image, "big.png", "image/png", 1_000_000).join();

        Media stored = u.sdk().mediaAsync().list(100, 0).join().getMediaList().get(0);
        assertThat(stored.getSize()).isEqualTo(image.length);
        assertThat(task(job).getParamsMap()).containsEntry(DetectionContract.MEDIA_ID, stored.getMediaId());
    }

    @Test
    void emptyOversizedAndBadlyNamedImagesAreRefusedAndStoreNothing() {
        User u = user();
        DetectionServiceGrpc.DetectionServiceBlockingStub stub = u.sdk().prepared(
                DetectionServiceGrpc.newBlockingStub(u.sdk().channel()));

        assertRefused(() -> stub.detect(DetectRequest.getDefaultInstance()), "INVALID_IMAGE");
        assertRefused(() -> stub.detect(DetectRequest.newBuilder().setImage(ByteString.copyFrom(
                new byte[DetectionContract.MAX_INLINE_IMAGE_BYTES + 1])).build()), "IMAGE_TOO_LARGE");
        assertRefused(() -> stub.detect(DetectRequest.newBuilder().setImage(ByteString.copyFrom(new byte[] {1}))
                .setFilename("x".repeat(DetectionGrpcService.MAX_FILENAME_LENGTH + 1)).build()), "INVALID_FILENAME");
        assertRefused(() -> stub.detect(DetectRequest.newBuilder().setImage(ByteString.copyFrom(new byte[] {1}))
                .setMaxPixels(-1).build()), "INVALID_DETECTION_PARAMETERS");

        assertThat(u.sdk().mediaAsync().list(100, 0).join().getMediaList()).isEmpty();
        assertThat(u.sdk().jobsAsync().list(io.framegrid.proto.jobs.v1.ListJobsRequest.getDefaultInstance()).join()
                .getJobsList()).isEmpty();
        StatusRuntimeException anonymous = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> DetectionServiceGrpc.newBlockingStub(cluster.client().channel())
                        .detect(DetectRequest.newBuilder().setImage(ByteString.copyFrom(new byte[] {1})).build()));
        assertThat(anonymous.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    private static void assertRefused(Runnable call, String reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(io.framegrid.sdk.FramegridException.from(e).reason()).isEqualTo(reason);
        });
    }
}
