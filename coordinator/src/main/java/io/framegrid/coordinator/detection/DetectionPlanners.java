package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.identity.UserDirectory;
import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionParams;
import io.grpc.BindableService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Product E's coordinator plug-in. {@code detection.detect} is one image in one task; a detection asking for a GPU
 * is routed to a node with one when such a node is live, otherwise it runs on any node and its results say so.
 * Parameters are checked here, at submit, so a malformed value is the caller's 400 instead of a failed job. The
 * product's own RPCs: per-user settings ({@link DetectionSettingsGrpcService}) and history
 * ({@link DetectionHistoryGrpcService}) over grid caches, and the one-call upload ({@link DetectionGrpcService}).
 */
public final class DetectionPlanners implements CoordinatorProduct {
    /** One image takes well under a second; a job still processing after this has a stuck node behind it. */
    static final Duration MAX_DURATION = Duration.ofMinutes(2);

    @Override
    public String name() {
        return DetectionContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        this.types = types;
        LiveGpus gpus = new LiveGpus(context.ignite(), context.clock());
        types.register(DetectionContract.DETECT, meta -> plan(meta, gpus::any, context.clock().millis()),
                MAX_DURATION);
    }

    private JobTypes types;
    private WebhookDispatcher webhooks;

    @Override
    public List<BindableService> services(Context context) {
        var settings = context.config().gateway().surface(DetectionContract.PRODUCT);
        WebhookStore store = new WebhookStore(context.ignite());
        DetectionModelGrpcService models = new DetectionModelGrpcService(context.ignite(), context.media(),
                context.clock());
        webhooks = new WebhookDispatcher(context.ignite(), store,
                new HttpWebhookTransport(settings.duration("webhook-timeout")), context.clock(),
                settings.positiveInt("webhook-max-attempts"), settings.duration("webhook-backoff"));
        DetectionSettingsStore settingsStore = new DetectionSettingsStore(context.ignite());
        JobLedger ledger = new JobLedger(context.ignite(), context.config().jobs(), context.clock());
        return List.of(new DetectionSettingsGrpcService(settingsStore),
                new DetectionGrpcService(ledger, types, settingsStore, context.media(),
                        new UserDirectory(context.ignite(), context.clock())),
                new DetectionHistoryGrpcService(new DetectionHistory(context.ignite()), ledger, context.media()),
                new DetectionWebhookGrpcService(store, context.clock(), webhooks::registered), models,
                new DetectionIntegrationGrpcService(settings.getString("enginelabs-secret"), models, context.media(),
                        context.clock()));
    }

    @Override
    public void close() {
        if (webhooks != null) {
            webhooks.close();
        }
    }

    static List<StagePlan> plan(Map<String, String> meta, BooleanSupplier gpuLive) {
        return plan(meta, gpuLive, System.currentTimeMillis());
    }

    static List<StagePlan> plan(Map<String, String> meta, BooleanSupplier gpuLive, long nowMs) {
        DetectionParams params = DetectionContract.params(meta);
        if (meta.getOrDefault(DetectionContract.MEDIA_ID, "").isBlank()) {
            throw new IllegalArgumentException(DetectionContract.MEDIA_ID + " is required");
        }
        Map<String, String> planned = new LinkedHashMap<>(meta);
        // Only what the plan decides is set here; a caller's own requires.* keys are not honoured for this type.
        planned.remove("requires.gpu");
        planned.remove("requires.models");
        // Without a live GPU node the task may run anywhere; the node reports its device and notes the CPU.
        if (params.getUseGpu() && gpuLive.getAsBoolean()) {
            planned.put("requires.gpu", "true");
        }
        // A stage parameter overrides the job's metadata in the task, so a caller cannot back-date their history.
        return List.of(JobTypes.stage("Detecting objects", DetectionContract.DETECT, 1, planned).toBuilder()
                .putParams(DetectionContract.SUBMITTED_MS, Long.toString(nowMs)).build());
    }
}
