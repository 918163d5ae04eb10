package io.framegrid.fabric.grid;

/** Names of every grid cache; their definitions live in {@link CacheCatalog}. */
public final class CacheNames {
    public static final String USERS = "fg_users";
    public static final String USER_EMAILS = "fg_user_emails";
    public static final String USER_NAMES = "fg_user_names";
    public static final String USER_NUMERIC_IDS = "fg_user_numeric_ids";
    public static final String API_KEYS = "fg_api_keys";
    public static final String REFRESH_TOKENS = "fg_refresh_tokens";
    public static final String REFRESH_FAMILIES = "fg_refresh_families";
    public static final String CLUSTER_SECRETS = "fg_cluster_secrets";
    public static final String JOBS = "fg_jobs";
    public static final String TASKS = "fg_tasks";
    public static final String TASK_OUTPUTS = "fg_task_outputs";
    public static final String USER_JOBS = "fg_user_jobs";
    public static final String JOB_LOGS = "fg_job_logs";
    public static final String NODES = "fg_nodes";
    public static final String MEDIA = "fg_media";
    public static final String UPLOADS = "fg_uploads";
    /** Decoded frames; lives in {@link CacheCatalog#CACHE_REGION} and is evicted under its cap. */
    public static final String FRAMES = "fg_frames";

    /** Per-caller request windows and concurrent-permit leases (cluster-wide rate limits). */
    public static final String QUOTAS = "fg_quotas";

    /** Named counters advanced inside transactions (e.g. numeric user ids). */
    public static final String COUNTERS = "fg_counters";

    /** Product A: the shared pool of videos with their annotation leases (video id → {@code annotation.v1.Video}). */
    public static final String ANNOTATION_VIDEOS = "fg_annotation_videos";
    /** Product A: committed annotations (video id → {@code annotation.v1.CommitResponse}). */
    public static final String ANNOTATIONS = "fg_annotations";
    /** Product A: uploaded telemetry, replaced whole per upload (video id → {@code annotation.v1.Telemetry}). */
    public static final String ANNOTATION_TELEMETRY = "fg_annotation_telemetry";
    /** Product A: button data, segment anchors and timestamp offsets (video id → {@code annotation.v1.Sync}). */
    public static final String ANNOTATION_SYNC = "fg_annotation_sync";
    /** Product A: trained speed models, versioned (version → {@code annotation.v1.SpeedModel}; "latest" → version). */
    public static final String ANNOTATION_MODELS = "fg_annotation_models";

    /** Product B: the charge of each studio job (job id → {@code studio.v1.Charge}). */
    public static final String STUDIO_CHARGES = "fg_studio_charges";
    /** Product B: credit purchases (user id + idempotency key → {@code studio.v1.CreditPurchase}). */
    public static final String STUDIO_PURCHASES = "fg_studio_purchases";
    /** Product B: the month (yyyymm) of each user's last credit refill (user id → Long). */
    public static final String STUDIO_ACCOUNTS = "fg_studio_accounts";
    /** Product E: per-user detection settings (user id → {@code detection.v1.DetectionSettings}). */
    public static final String DETECTION_SETTINGS = "fg_detection_settings";
    /** Product E: completed detections (detection id → {@code detection.v1.DetectionRecord}), read by history. */
    public static final String DETECTION_HISTORY = "fg_detection_history";

    /** Product E: outgoing webhooks (webhook id → {@code detection.v1.Webhook}). */
    public static final String DETECTION_WEBHOOKS = "fg_detection_webhooks";
    /** Product E: webhook deliveries (event id:webhook id → {@code detection.v1.WebhookDelivery}). */
    public static final String DETECTION_WEBHOOK_DELIVERIES = "fg_detection_webhook_deliveries";

    /** Product E: models added by administrators (model id → {@code detection.v1.AddedModel}). */
    public static final String DETECTION_MODELS = "fg_detection_models";

    /** Product D: reconstruction projects (integer id → {@code reconstruction.v1.Project} as stored). */
    public static final String RECONSTRUCTION_PROJECTS = "fg_reconstruction_projects";

    private CacheNames() {}
}
