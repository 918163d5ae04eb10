package io.framegrid.proto.studio;

import java.util.List;

/**
 * Product B's contract between roles, defined once: the studio's job and task types, the job metadata they carry,
 * and the credits rule every estimate, charge and refund uses.
 */
public final class StudioContract {
    /** The product's name in every role: plug-in names, configuration keys {@code gateway.studio.*}. */
    public static final String PRODUCT = "studio";

    /** Job types (grid names); the public {@code job_type} is the part after {@code studio.}. */
    public static final String GHOSTCUT_SIMPLE = "studio.ghostcut_simple";
    public static final String GHOSTCUT_ANNOTATED = "studio.ghostcut_annotated";
    public static final String PRO_SYNC = "studio.pro_sync";
    public static final List<String> JOB_TYPES = List.of(PRO_SYNC, GHOSTCUT_SIMPLE, GHOSTCUT_ANNOTATED);
    /** Prefix of every studio job type (the probe's too; {@link #JOB_TYPES} are the ones users see). */
    public static final String TYPE_PREFIX = "studio.";

    /**
     * Pro-sync's task types: one render task per piece of the timeline ({@link ProSyncTimeline#pieces}: each
     * segment, and the stretches outside segments an erasure covers), then one mux task that lays the segments'
     * audio over the original and encodes the video. A pro_sync job without a timeline (the SDK's bare submit)
     * is planned as one render task.
     */
    public static final String TASK_PRO_SYNC = "studio.pro_sync.render";
    public static final String TASK_PRO_SYNC_MUX = "studio.pro_sync.mux";
    public static final int PRO_SYNC_RENDER_STAGE = 0;
    /** Job parameters of pro-sync: the timeline ({@link ProSyncTimeline#encode}) and the audio files' media ids. */
    public static final String PRO_SYNC_SEGMENTS = "studio.pro_sync.segments";
    public static final String PRO_SYNC_EFFECTS = "studio.pro_sync.effects";
    public static final String PRO_SYNC_AUDIO = "studio.pro_sync.audio_media_ids";
    /** Stage parameter: the input's probed frame rate. */
    public static final String FPS = "studio.fps";
    /**
     * Billable seconds per wall second a pro-sync job is assumed to run at before this cluster has completed one
     * (measured on 2 CPU cores without a lip-sync model: see the gpu-node README); afterwards the recent jobs'.
     */
    public static final double PRO_SYNC_DEFAULT_RATE = 1.0;
    /** The probe's parameter asking for an audio probe (pro-sync's audio files). */
    public static final String PROBE_AUDIO = "studio.probe_audio";

    /**
     * GhostCut's task types, one stage each in this order: text boxes and shot cuts per frame range, the cleaned
     * frames of each range (tracks built from every range's detections, so each eraser sees the whole video's
     * text), and one task that encodes them with the source's audio into the job's result.
     */
    public static final String TASK_GHOSTCUT_DETECT = "studio.ghostcut.detect";
    public static final String TASK_GHOSTCUT_ERASE = "studio.ghostcut.erase";
    public static final String TASK_GHOSTCUT_MUX = "studio.ghostcut.mux";
    public static final int GHOSTCUT_DETECT_STAGE = 0;
    public static final int GHOSTCUT_ERASE_STAGE = 1;
    /** Task parameters of GhostCut's ranged stages: frames per range, and the video's decodable frames. */
    public static final String RANGE_FRAMES = "studio.range_frames";
    public static final String TOTAL_FRAMES = "studio.total_frames";

    /**
     * Media metadata of a studio job's intermediate segments (lossless frames: GhostCut's erased ranges, pro-sync's
     * rendered pieces; the value keeps its first product's name): {@code kind} is
     * {@link #SEGMENT_KIND} and {@code job_id} the job's id. The coordinator deletes them when the job ends, in
     * whatever state.
     */
    public static final String MEDIA_KIND = "kind";
    public static final String MEDIA_JOB_ID = "job_id";
    public static final String SEGMENT_KIND = "ghostcut-segment";

    /** Frames {@code [from, to)} of {@code chunk} of {@code chunks}: the last range runs to {@code totalFrames}. */
    public static long[] range(int chunk, int chunks, long rangeFrames, long totalFrames) {
        long from = chunk * rangeFrames;
        long to = chunk == chunks - 1 ? totalFrames : Math.min(totalFrames, from + rangeFrames);
        return new long[] {Math.min(from, totalFrames), to};
    }

    /** Job and task type: a gpu-node reads an uploaded video and records its duration, rate and size on the media. */
    public static final String PROBE = "studio.probe";
    /** Job metadata of the probe: the media id and its owner. Probe keys it writes on the media. */
    public static final String MEDIA_ID = "media_id";
    public static final String MEDIA_OWNER = "media_owner";
    /**
     * The owner of probe jobs: the coordinator probes uploads as this owner, so a probe never waits behind (or
     * admits) its user's own jobs; no user can sign in as it.
     */
    public static final String PROBE_OWNER = "studio-probe";
    public static final String PROBE_DURATION_MS = "studio.duration_ms";
    public static final String PROBE_FPS = "studio.fps";
    public static final String PROBE_FRAMES = "studio.frames";
    /** The probed video's frame size in pixels (absent for audio, and for media probed before it was recorded). */
    public static final String PROBE_WIDTH = "studio.width";
    public static final String PROBE_HEIGHT = "studio.height";

    /** Job metadata: the input video's media id, the billable seconds, the public job type. */
    public static final String INPUT_MEDIA_ID = "studio.input_media_id";
    public static final String DURATION_SECONDS = "studio.duration_seconds";
    public static final String JOB_TYPE = "studio.job_type";
    /** Job metadata: GhostCut's auto-detect flag and the annotation areas (the spec's JSON array, as sent). */
    public static final String AUTO_DETECT = "studio.auto_detect";
    public static final String ANNOTATIONS = "studio.annotations";
    /** Job metadata: prefix of the detail fields shown as the job's {@code metadata} (segments_count ...). */
    public static final String DETAIL_PREFIX = "studio.detail.";

    /**
     * The credits rule: one credit per started second of billable video ({@code ceil(seconds)}), at least one;
     * so 30 s cost 30 credits (the spec's worked example) and one minute costs {@link #CREDITS_PER_MINUTE}.
     */
    public static final long CREDITS_PER_MINUTE = 60;

    private StudioContract() {
    }

    /** Credits a job of {@code seconds} billable seconds costs (see {@link #CREDITS_PER_MINUTE}). */
    public static long creditsFor(double seconds) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("duration must be a positive number of seconds");
        }
        return Math.max(1, (long) Math.ceil(seconds - 1e-9));
    }

    /** The public job type ({@code ghostcut_simple}) of a grid job type ({@code studio.ghostcut_simple}). */
    public static String publicType(String gridType) {
        return gridType.startsWith(TYPE_PREFIX) ? gridType.substring(TYPE_PREFIX.length()) : gridType;
    }
}
