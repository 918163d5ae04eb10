package io.framegrid.coordinator.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * GhostCut's intermediate segments leave no trace once their job has ended, whatever the end: a failed job's and a
 * cancelled job's segments are deleted (record and blob), one registered after its job was cancelled (an erase
 * attempt that finished late) too, and one the running coordinator missed is deleted by the next start's sweep. A
 * running job's segments and other media are kept.
 */
class SegmentSweeperTest {
    private static final String NODE = "sweeper-test-node";

    @RegisterExtension
    static final CoordinatorExtension coordinator = new CoordinatorExtension();

    private JobLedger ledger() {
        return new JobLedger(coordinator.ignite(), coordinator.config().jobs(), coordinator.clock());
    }

    private MediaLibrary media() {
        return coordinator.server().mediaLibrary();
    }

    private String submit(String owner) {
        return ledger().submit(owner, "free", StudioContract.GHOSTCUT_SIMPLE, "clip", Map.of(),
                List.of(JobTypes.stage("erase", StudioContract.TASK_GHOSTCUT_ERASE, 1, Map.of()))).getJob().getJobId();
    }

    private TaskState lease(String jobId) {
        return ledger().lease(JobLedger.taskId(jobId, 0, 0), NODE).orElseThrow();
    }

    /** A stored blob registered as media of {@code owner} with {@code metadata}. */
    private Media stored(String owner, String id, Map<String, String> metadata) throws IOException {
        byte[] bytes = "cleaned frames".getBytes(StandardCharsets.UTF_8);
        try (BlobStore.BlobWriter w = media().store().create(MediaLibrary.blobKey(owner, id))) {
            w.write(bytes, 0, bytes.length);
            w.commit();
        }
        return media().register(id, owner, "ghostcut-" + id + ".frames", "application/octet-stream", bytes.length,
                "", metadata);
    }

    private Media segment(String owner, String jobId) throws IOException {
        return stored(owner, UUID.randomUUID().toString(), Map.of(StudioContract.MEDIA_JOB_ID, jobId,
                StudioContract.MEDIA_KIND, StudioContract.SEGMENT_KIND));
    }

    private boolean gone(Media m) {
        if (media().get(m.getMediaId()).isPresent()) {
            return false;
        }
        try (InputStream in = media().store().open(m.getStorageKey(), 0, -1)) {
            return false;
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    @Test
    void aFailedJobLeavesNoSegment() throws Exception {
        String owner = "sweep-failed-" + UUID.randomUUID();
        String jobId = submit(owner);
        TaskState task = lease(jobId);
        Media first = segment(owner, jobId);
        Media second = segment(owner, jobId);
        Media input = stored(owner, UUID.randomUUID().toString(), Map.of());
        ledger().failPermanently(task.getTaskId(), NODE, task.getFence(), "encoder failed");
        assertThat(ledger().state(jobId).orElseThrow().getJob().getStatus()).isEqualTo(JobStatus.JOB_STATUS_FAILED);

        await().atMost(Duration.ofSeconds(20)).until(() -> gone(first) && gone(second));
        assertThat(media().get(input.getMediaId())).as("the user's other media").isPresent();
    }

    @Test
    void aCancelledJobLeavesNoSegmentEvenOneRegisteredAfterTheCancel() throws Exception {
        String owner = "sweep-cancelled-" + UUID.randomUUID();
        String jobId = submit(owner);
        String running = submit("sweep-running-" + UUID.randomUUID());
        lease(jobId);
        Media before = segment(owner, jobId);
        Media kept = segment(owner, running);
        ledger().cancel(jobId);
        await().atMost(Duration.ofSeconds(20)).until(() -> gone(before));

        Media late = segment(owner, jobId);
        await().atMost(Duration.ofSeconds(20)).until(() -> gone(late));
        assertThat(media().get(kept.getMediaId())).as("a running job's segment").isPresent();
    }

    @Test
    void aSegmentOfAnEndedJobMissedWhileRunningIsDeletedAtTheNextStart() throws Exception {
        String owner = "sweep-restart-" + UUID.randomUUID();
        String jobId = submit(owner);
        TaskState task = lease(jobId);
        Media swept = segment(owner, jobId);
        ledger().failPermanently(task.getTaskId(), NODE, task.getFence(), "lost");
        await().atMost(Duration.ofSeconds(20)).until(() -> gone(swept));
        // Written as a plain media, then rewritten as a segment: an update, which the running sweeper does not
        // watch (only registrations), stands for a segment stored while no coordinator ran.
        String id = UUID.randomUUID().toString();
        stored(owner, id, Map.of(StudioContract.MEDIA_JOB_ID, jobId));
        Media missed = media().register(id, owner, "ghostcut-late.frames", "application/octet-stream", 14, "",
                Map.of(StudioContract.MEDIA_JOB_ID, jobId, StudioContract.MEDIA_KIND, StudioContract.SEGMENT_KIND));

        coordinator.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> gone(missed));
    }
}
