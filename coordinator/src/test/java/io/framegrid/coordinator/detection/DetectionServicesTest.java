package io.framegrid.coordinator.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionOutcome;
import io.framegrid.proto.detection.v1.DetectionParams;
import io.framegrid.proto.detection.v1.DetectionResults;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.jobs.v1.SubmitJobRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.detection.v1.HistoryEntry;
import io.framegrid.proto.detection.v1.HistoryPage;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.proto.detection.v1.SettingsUpdate;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.detection.DetectionClient;
import io.framegrid.sdk.detection.HistoryExport;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Product E's coordinator services over in-process gRPC: grid-held settings with partial updates, and history. */
class DetectionServicesTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private static final long DAY = 86_400_000L;

    private record User(String id, DetectionClient client, io.framegrid.sdk.FramegridClient sdk) {}

    private static User user() {
        String name = "de" + UUID.randomUUID().toString().substring(0, 8);
        String id = cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Detect1234").build()).getUserId();
        String token = cluster.client().identity().login(name + "@example.com", "Detect1234").getAccessToken();
        io.framegrid.sdk.FramegridClient sdk = cluster.client().withBearerToken(token);
        return new User(id, sdk.product(DetectionClient.class), sdk);
    }

    private static FramegridException failure(CompletableFuture<?> call) {
        try {
            call.join();
        } catch (CompletionException e) {
            return (FramegridException) e.getCause();
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    // ---- one detection ------------------------------------------------------------------------------------

    private static JobLedger ledger() {
        return new JobLedger(cluster.ignite(), cluster.config().jobs(), cluster.clock());
    }

    private static Job submitDetection(User u) {
        return u.client().detectAsync(new byte[] {1, 2, 3}, "a.jpg", "image/jpeg",
                DetectionParams.newBuilder().setConfidenceThreshold(0.4f).build()).join();
    }

    /** Leases and commits the detection's one task as a gpu-node does. */
    private static void complete(Job job, TaskCommit commit) {
        String taskId = JobLedger.taskId(job.getJobId(), 0, 0);
        TaskState leased = ledger().lease(taskId, "node-test").orElseThrow();
        ledger().commit(taskId, "node-test", leased.getFence(), commit);
    }

    private static DetectionResults results(String detectionId, String className) {
        return DetectionResults.newBuilder().setDetectionId(detectionId).setModelId("yolox-nano").setImageWidth(640)
                .setImageHeight(480).setConfidenceThreshold(0.4f).addObjects(DetectedObject.newBuilder()
                        .setClassName(className).setConfidence(0.9f).setX(1).setY(2).setWidth(30).setHeight(40))
                .build();
    }

    @Test
    void aDetectionIsReadWithItsCommittedResultsByItsOwnerOnly() {
        User owner = user();
        User stranger = user();
        Job job = submitDetection(owner);

        DetectionOutcome running = owner.client().detectionAsync(job.getJobId()).join();
        assertThat(running.getJob().getJobId()).isEqualTo(job.getJobId());
        assertThat(running.hasResults()).isFalse();

        DetectionResults found = results(job.getJobId(), "dog");
        complete(job, new TaskCommit(found.toByteArray(), List.of(), 0, List.of("detected")));
        DetectionOutcome done = owner.client().detectionAsync(job.getJobId()).join();
        assertThat(done.getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_COMPLETED);
        assertThat(done.getResults()).isEqualTo(found);
        assertThat(owner.client().resultsAsync(done.getJob()).join()).isEqualTo(found);

        FramegridException other = failure(stranger.client().detectionAsync(job.getJobId()));
        assertThat(other.code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(other.reason()).isEqualTo(DetectionClient.DETECTION_NOT_FOUND);
        assertThat(failure(owner.client().detectionAsync(UUID.randomUUID().toString())).code())
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(owner.client().detectionAsync("")).code()).isEqualTo(Status.Code.NOT_FOUND);
        Job noop = owner.sdk().jobsAsync().submit(SubmitJobRequest.newBuilder().setType("noop").build()).join();
        assertThat(failure(owner.client().detectionAsync(noop.getJobId())).reason())
                .isEqualTo(DetectionClient.DETECTION_NOT_FOUND);
    }

    @Test
    void detectionsStoredBeforeResultsMovedIntoTheLedgerAreReadFromTheirResultsMedia() {
        User owner = user();
        Job job = submitDetection(owner);
        DetectionResults found = results(job.getJobId(), "cat");
        Media stored = owner.sdk().mediaAsync().upload(UploadHeader.newBuilder().setFilename("detection.pb")
                .setSize(found.getSerializedSize()).build(), new java.io.ByteArrayInputStream(found.toByteArray()))
                .join();
        complete(job, new TaskCommit(new byte[0], List.of(DetectionContract.RESULTS_REF + stored.getMediaId()), 0,
                List.of()));

        assertThat(owner.client().detectionAsync(job.getJobId()).join().getResults()).isEqualTo(found);
    }

    // ---- settings ----------------------------------------------------------------------------------------

    @Test
    void settingsStartAtTheDefaultsAndChangeOnlyTheNamedFields() {
        User u = user();
        assertThat(u.client().settingsAsync().join()).isEqualTo(DetectionContract.defaultSettings());
        DetectionSettings after = u.client().updateSettingsAsync(SettingsUpdate.newBuilder()
                .setConfidenceThreshold(0.25f).build()).join();
        assertThat(after).isEqualTo(DetectionContract.defaultSettings().toBuilder().setConfidenceThreshold(0.25f)
                .build());
        u.client().updateSettingsAsync(SettingsUpdate.newBuilder().setModelId("hog-people").setUseGpu(false).build())
                .join();
        DetectionSettings stored = u.client().settingsAsync().join();
        assertThat(stored.getConfidenceThreshold()).isEqualTo(0.25f);
        assertThat(stored.getModelId()).isEqualTo("hog-people");
        assertThat(stored.getUseGpu()).isFalse();
        // Kept in the grid cache, per user.
        IgniteCache<String, byte[]> cache = cluster.ignite().cache(CacheNames.DETECTION_SETTINGS);
        assertThat(cache.get(u.id())).isEqualTo(stored.toByteArray());
        assertThat(user().client().settingsAsync().join()).isEqualTo(DetectionContract.defaultSettings());
    }

    @Test
    void concurrentPartialUpdatesOfOneUserAllLand() {
        User u = user();
        List<CompletableFuture<DetectionSettings>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(u.client().updateSettingsAsync(i % 2 == 0
                    ? SettingsUpdate.newBuilder().setEnableMultiThreading(true).build()
                    : SettingsUpdate.newBuilder().setConfidenceThreshold(0.75f).build()));
        }
        calls.add(u.client().updateSettingsAsync(SettingsUpdate.newBuilder().setUseGpu(false).build()));
        calls.forEach(CompletableFuture::join);
        DetectionSettings s = u.client().settingsAsync().join();
        assertThat(s.getEnableMultiThreading()).isTrue();
        assertThat(s.getConfidenceThreshold()).isEqualTo(0.75f);
        assertThat(s.getUseGpu()).isFalse();
    }

    @Test
    void invalidUpdatesAreRefusedAndChangeNothing() {
        User u = user();
        for (SettingsUpdate bad : List.of(SettingsUpdate.getDefaultInstance(),
                SettingsUpdate.newBuilder().setConfidenceThreshold(1.5f).build(),
                SettingsUpdate.newBuilder().setConfidenceThreshold(Float.NaN).build(),
                SettingsUpdate.newBuilder().setModelId(" ").setUseGpu(false).build())) {
            FramegridException e = failure(u.client().updateSettingsAsync(bad));
            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.reason()).isEqualTo("INVALID_SETTINGS");
        }
        assertThat(u.client().settingsAsync().join()).isEqualTo(DetectionContract.defaultSettings());
        FramegridException anonymous = failure(cluster.client().product(DetectionClient.class).settingsAsync());
        assertThat(anonymous.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    // ---- history -----------------------------------------------------------------------------------------

    private static DetectionRecord record(String owner, long createdMs, String... classes) {
        DetectionRecord.Builder r = DetectionRecord.newBuilder().setDetectionId(UUID.randomUUID().toString())
                .setOwnerId(owner).setCreatedMs(createdMs).setModelId("yolox-nano").setFilename("a.jpg");
        for (String c : classes) {
            r.addObjects(DetectedObject.newBuilder().setClassName(c).setConfidence(0.9f).setWidth(1).setHeight(1));
        }
        return r.build();
    }

    private static void seed(List<DetectionRecord> records) {
        IgniteCache<String, byte[]> cache = cluster.ignite().cache(CacheNames.DETECTION_HISTORY);
        for (DetectionRecord r : records) {
            cache.put(r.getDetectionId(), r.toByteArray());
        }
    }

    @Test
    void historyPagesTheCallersDetectionsNewestFirstWithinTheRange() {
        User u = user();
        long day0 = 20_000 * DAY;
        List<DetectionRecord> mine = List.of(record(u.id(), day0 + 1000, "dog", "person", "dog"),
                record(u.id(), day0 + DAY, "car"), record(u.id(), day0 + 2 * DAY - 1),
                record(u.id(), day0 + 2 * DAY, "cat"));
        seed(mine);
        seed(List.of(record(user().id(), day0 + DAY, "horse")));

        HistoryPage all = u.client().historyAsync(HistoryRequest.newBuilder().setLimit(10).build()).join();
        assertThat(all.getTotal()).isEqualTo(4);
        assertThat(all.getEntriesList()).extracting(HistoryEntry::getDetectionId).containsExactly(
                mine.get(3).getDetectionId(), mine.get(2).getDetectionId(), mine.get(1).getDetectionId(),
                mine.get(0).getDetectionId());
        HistoryEntry oldest = all.getEntries(3);
        assertThat(oldest.getCountsList()).extracting(c -> c.getClassName() + "=" + c.getCount())
                .containsExactly("dog=2", "person=1");
        assertThat(all.getEntries(1).getCountsList()).isEmpty();

        // [day0 + DAY, day0 + 2 DAY): the second and third only; the upper bound is exclusive.
        HistoryPage range = u.client().historyAsync(HistoryRequest.newBuilder().setFromMs(day0 + DAY)
                .setUntilMs(day0 + 2 * DAY).build()).join();
        assertThat(range.getTotal()).isEqualTo(2);
        assertThat(range.getEntriesList()).extracting(HistoryEntry::getDetectionId)
                .containsExactly(mine.get(2).getDetectionId(), mine.get(1).getDetectionId());
        HistoryPage second = u.client().historyAsync(HistoryRequest.newBuilder().setLimit(3).setOffset(3).build())
                .join();
        assertThat(second.getTotal()).isEqualTo(4);
        assertThat(second.getEntriesList()).extracting(HistoryEntry::getDetectionId)
                .containsExactly(mine.get(0).getDetectionId());

        FramegridException reversed = failure(u.client().historyAsync(HistoryRequest.newBuilder()
                .setFromMs(day0 + DAY).setUntilMs(day0).build()));
        assertThat(reversed.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(failure(u.client().historyAsync(HistoryRequest.newBuilder().setLimit(501).build())).code())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void anExportStreamsEveryRecordNewestFirstAtTheConsumersPace() throws Exception {
        User u = user();
        long base = 20_100 * DAY;
        int n = 1_234;
        List<DetectionRecord> records = IntStream.range(0, n).mapToObj(i -> record(u.id(), base + i * 1000L, "dog"))
                .toList();
        seed(records);
        seed(List.of(record(user().id(), base + 5, "cat")));

        List<DetectionRecord> got = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<FramegridException> end = new CompletableFuture<>();
        HistoryExport[] export = new HistoryExport[1];
        export[0] = u.client().exportHistory(HistoryRequest.getDefaultInstance(), new HistoryExport.Sink() {
            @Override
            public void onRecords(List<DetectionRecord> records) {
                got.addAll(records);
            }

            @Override
            public void onEnd(FramegridException error) {
                end.complete(error);
            }
        });
        // Nothing arrives before it is asked for; then exactly what was asked.
        export[0].request(2);
        org.awaitility.Awaitility.await().until(() -> got.size() == 400);
        assertThat(end).isNotDone();
        export[0].request(Integer.MAX_VALUE);
        assertThat(end.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        assertThat(got).hasSize(n);
        List<String> expected = new ArrayList<>(records.stream().map(DetectionRecord::getDetectionId).toList());
        Collections.reverse(expected);
        assertThat(got).extracting(DetectionRecord::getDetectionId).containsExactlyElementsOf(expected);
    }
}
