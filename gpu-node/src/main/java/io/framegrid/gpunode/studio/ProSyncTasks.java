package io.framegrid.gpunode.studio;

import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;

import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.engine.lipsync.LipSync;
import io.framegrid.gpunode.engine.text.TextBox;
import io.framegrid.gpunode.engine.text.TextRemoval;
import io.framegrid.gpunode.engine.text.TextTracks;
import io.framegrid.gpunode.engine.text.UserArea;
import io.framegrid.gpunode.media.AudioPcm;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.LocalMediaCopy;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaEncoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.gpunode.media.VideoEncodeSettings;
import io.framegrid.gpunode.tasks.TaskContext;
import io.framegrid.gpunode.tasks.TaskFailure;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.ProSyncTimeline;
import io.framegrid.proto.studio.StudioContract;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Pro-sync on a gpu-node: {@link StudioContract#TASK_PRO_SYNC} renders one timeline piece (a segment's audio crop,
 * loudness-matched to the original audio it replaces; its frames when an erasure or a lip-sync model changes them;
 * a stretch outside segments an erasure covers), {@link StudioContract#TASK_PRO_SYNC_MUX} lays the crops over the
 * original audio with short crossfades, swaps in the rendered frames, draws the text effects, restores every
 * protected box from the source frame (so no effect and no lip-sync changes one) and encodes H.264 at the source's
 * size and rate. Every step is a function of the inputs and the job's parameters (frames and audio stored
 * losslessly between stages), so a piece rerun elsewhere after a failure commits what the first attempt would have.
 */
final class ProSyncTasks {
    static final String NO_LIPSYNC = "none";
    /** Sample rate and channels of the output audio when the video has none. */
    static final int DEFAULT_RATE = 48_000;
    static final int DEFAULT_CHANNELS = 2;

    /** What a render task hands the mux (JSON in its committed output). */
    record Rendered(int piece, int segment, String audioMediaId, long audioFrom, long audioFrames, double gain,
                    String framesMediaId, long framesFrom, long frames, String lipsync) {}

    private final MediaLibrary media;
    private final TextRemoval removal;
    private final Supplier<Optional<LipSync>> lipSync;
    private final MediaDecoder decoder = new MediaDecoder();

    ProSyncTasks(MediaLibrary media, TextRemoval removal, Supplier<Optional<LipSync>> lipSync) {
        this.media = media;
        this.removal = removal;
        this.lipSync = lipSync;
    }

    /** Stage 0, one piece: the segment's loudness-matched crop and, when something changes them, its frames. */
    TaskCommit render(TaskContext ctx) throws IOException {
        Timeline t = timeline(ctx);
        if (t.segments().isEmpty()) {
            throw TaskFailure.permanent("Invalid pro-sync request: the job carries no segments", null);
        }
        ProSyncTimeline.Piece piece = t.pieces().get(ctx.chunk());
        String step = piece.segment() >= 0
                ? "Processing segment " + (piece.segment() + 1) + " of " + t.segments().size()
                : "Erasing frames " + piece.from() + "-" + (piece.to() - 1);
        ctx.progress(5, step);
        try (LocalMediaCopy video = fetch(ctx, inputId(ctx))) {
            MediaInfo info = decoder.probe(video.file());
            int rate = info.hasAudio() ? info.audioSampleRate() : DEFAULT_RATE;
            int channels = info.hasAudio() ? info.audioChannels() : DEFAULT_CHANNELS;
            String audioId = "";
            long audioFrom = 0;
            long audioFrames = 0;
            double gain = 1;
            float[] pcm16k = null;
            Optional<LipSync> model = piece.segment() >= 0 ? lipSync.get() : Optional.empty();
            try {
            if (piece.segment() >= 0) {
                ProSyncTimeline.Segment s = t.segments().get(piece.segment());
                audioFrom = Math.round(s.start() * rate);
                audioFrames = Math.max(0, Math.round(s.end() * rate) - audioFrom);
                try (LocalMediaCopy audio = fetch(ctx, audioId(ctx, s.audio()))) {
                    AudioPcm crop = AudioPcm.decode(audio.file(), rate, channels);
                    short[] cut = crop.slice(Math.round(s.cropStart() * rate), audioFrames);
                    short[] original = info.hasAudio()
                            ? AudioPcm.decode(video.file(), rate, channels).slice(audioFrom, audioFrames)
                            : new short[cut.length];
                    gain = DubbedAudio.matchLoudness(cut, original);
                    audioId = storeBlob(ctx, "pro-sync-" + ctx.jobId() + "-" + ctx.chunk() + ".pcm", pcmBytes(cut));
                    if (model.isPresent()) {
                        pcm16k = mono16k(AudioPcm.decode(audio.file(), 16_000, 1), s);
                    }
                }
            }
            ctx.checkCancelled();
            ctx.progress(40, step);
            String lipsync = model.map(LipSync::modelId).orElse(NO_LIPSYNC);
            List<UserArea> erasures = erasures(t, piece, info);
            String framesId = "";
            long frames = 0;
            if (!erasures.isEmpty() || model.isPresent()) {
                Rendered r = renderFrames(ctx, video.file(), t, piece, info, erasures, model, pcm16k);
                framesId = r.framesMediaId();
                frames = r.frames();
            }
            ctx.progress(95, step);
            return new TaskCommit(GhostCutParts.write(new Rendered(ctx.chunk(), piece.segment(), audioId, audioFrom,
                    audioFrames, gain, framesId, piece.from(), frames, lipsync)), List.of(), 0, List.of(String.format(
                    Locale.ROOT, "%s on %s: %d audio samples (gain %.2f), %d frames rendered, lip-sync %s", step,
                    ctx.nodeId(), audioFrames, gain, frames, lipsync)));
            } finally {
                model.ifPresent(LipSync::close);
            }
        }
    }

    private Rendered renderFrames(TaskContext ctx, Path video, Timeline t, ProSyncTimeline.Piece piece,
                                  MediaInfo info, List<UserArea> erasures, Optional<LipSync> model, float[] pcm16k)
            throws IOException {
        long total = t.totalFrames();
        int context = erasures.isEmpty() ? 0 : removal.settings().eraser().window();
        List<DecodedFrame> decoded = piece.to() <= piece.from() ? List.of() : decoder.decodeToList(video,
                FrameSampling.range(Math.max(0, piece.from() - context), Math.min(total, piece.to() + context)));
        List<DecodedFrame> own = new ArrayList<>();
        List<DecodedFrame> erased = List.of();
        try {
            long last = decoded.isEmpty() ? -1 : Math.min(piece.to() - 1, decoded.get(decoded.size() - 1).index());
            if (last < piece.from()) {
                return new Rendered(ctx.chunk(), piece.segment(), "", 0, 0, 1, "", piece.from(), 0, "");
            }
            if (!erasures.isEmpty()) {
                List<int[]> shots = removal.shots(decoded);
                TextTracks tracks = TextTracks.build(List.of(), shots, erasures, info.width(), info.height(),
                        removal.settings().tracks());
                erased = removal.erase(decoded, tracks, shots, piece.from(), last).frames();
                own.addAll(erased);
            } else {
                decoded.stream().filter(f -> f.index() >= piece.from() && f.index() <= last).forEach(own::add);
            }
            ctx.checkCancelled();
            if (model.isPresent()) {
                ProSyncTimeline.Segment s = t.segments().get(piece.segment());
                model.get().apply(own.stream().map(DecodedFrame::image).toList(), t.fps(),
                        pcm16k, protectedRects(t, s.start(), s.end(), info));
            }
            String owner = ctx.task().getOwnerId();
            String id = SegmentFrames.store(media, owner, "pro-sync-" + ctx.jobId() + "-" + ctx.chunk() + ".frames",
                    ctx.jobId(), own);
            return new Rendered(ctx.chunk(), piece.segment(), "", 0, 0, 1, id, piece.from(), own.size(), "");
        } finally {
            release(decoded);
            release(erased);
        }
    }

    /** Stage 1: the dubbed audio track, the rendered frames and the drawn effects, encoded as the job's result. */
    TaskCommit mux(TaskContext ctx) throws IOException {
        Timeline t = timeline(ctx);
        List<Rendered> parts = new ArrayList<>();
        for (int chunk = 0; ; chunk++) {
            Optional<TaskOutput> out = ctx.output(StudioContract.PRO_SYNC_RENDER_STAGE, chunk);
            if (out.isEmpty()) {
                break;
            }
            parts.add(GhostCutParts.read(out.get().getData().toByteArray(), Rendered.class));
        }
        ctx.progress(5, "Encoding video...");
        Path out = Files.createTempFile("pro-sync-" + ctx.jobId(), ".mp4");
        List<Media> intermediate = new ArrayList<>();
        try (LocalMediaCopy video = fetch(ctx, inputId(ctx))) {
            MediaInfo info = decoder.probe(video.file());
            int rate = info.hasAudio() ? info.audioSampleRate() : DEFAULT_RATE;
            int channels = info.hasAudio() ? info.audioChannels() : DEFAULT_CHANNELS;
            AudioPcm base = info.hasAudio() ? AudioPcm.decode(video.file(), rate, channels)
                    : AudioPcm.silence(Math.round(info.durationSeconds() * rate), rate, channels);
            int fade = (int) Math.round(DubbedAudio.CROSSFADE_SECONDS * rate);
            for (Rendered r : parts) {
                if (r.audioMediaId().isEmpty()) {
                    continue;
                }
                Media m = owned(ctx, r.audioMediaId());
                intermediate.add(m);
                byte[] bytes;
                try (InputStream in = media.store().open(m.getStorageKey(), 0, -1)) {
                    bytes = in.readAllBytes();
                }
                DubbedAudio.splice(base, pcm(bytes), r.audioFrom(), fade);
            }
            List<Rendered> framed = parts.stream().filter(r -> !r.framesMediaId().isEmpty() && r.frames() > 0)
                    .sorted(Comparator.comparingLong(Rendered::framesFrom)).toList();
            for (Rendered r : framed) {
                intermediate.add(owned(ctx, r.framesMediaId()));
            }
            List<ProSyncTimeline.Effect> texts = t.effects().stream().filter(e -> e.type().equals("text")).toList();
            List<ProSyncTimeline.Effect> protections = t.effects().stream()
                    .filter(e -> e.type().equals("protection")).toList();
            try (RenderedFrames swapped = new RenderedFrames(framed)) {
                long[] index = {0};
                Mat[] clone = {null};
                MediaInfo encoded = new MediaEncoder().transcode(video.file(), out, VideoEncodeSettings.mp4(),
                        frame -> {
                            long i = index[0]++;
                            if (i % 50 == 0) {
                                ctx.progress((int) Math.min(90, 5 + 85 * i / Math.max(1, t.totalFrames())),
                                        "Encoding video...");
                            }
                            Mat result = swapped.at(i);
                            double seconds = i / t.fps();
                            boolean textNow = texts.stream().anyMatch(e -> seconds >= e.start() && seconds < e.end());
                            if (clone[0] != null) {
                                clone[0].close(); // encoded by the time the next frame is asked for
                                clone[0] = null;
                            }
                            if (result == null && textNow) {
                                // Drawn on a copy: the source frame is what protected boxes are restored from.
                                result = clone[0] = frame.clone();
                            }
                            result = result == null ? frame : result;
                            for (ProSyncTimeline.Effect e : texts) {
                                if (seconds >= e.start() && seconds < e.end()) {
                                    drawText(result, e, info);
                                }
                            }
                            if (result != frame) {
                                for (ProSyncTimeline.Effect e : protections) {
                                    if (seconds >= e.start() && seconds < e.end()) {
                                        Rect box = rect(e, info);
                                        try (Mat from = new Mat(frame, box); Mat to = new Mat(result, box)) {
                                            from.copyTo(to);
                                        }
                                    }
                                }
                            }
                            return result;
                        }, base);
                ctx.checkCancelled();
                ctx.progress(92, "Storing the result...");
                String owner = ctx.task().getOwnerId();
                Media source = owned(ctx, inputId(ctx));
                String name = source.getFilename().replaceFirst("\\.[^.]*$", "") + "-pro-sync.mp4";
                String lipsync = parts.stream().filter(r -> r.segment() >= 0).map(Rendered::lipsync)
                        .filter(l -> !l.isEmpty()).findFirst().orElse(NO_LIPSYNC);
                Media result;
                try (InputStream in = Files.newInputStream(out)) {
                    result = storeMedia(owner, name, "video/mp4", in, Map.of("job_id", ctx.jobId(), "kind", "pro-sync",
                            StudioContract.DETAIL_PREFIX + "lipsync", lipsync));
                }
                for (Media m : intermediate) {
                    media.delete(m);
                }
                return new TaskCommit(new byte[0], List.of(result.getMediaId()), 0, List.of(String.format(Locale.ROOT,
                        "Encoded %d frames (%dx%d, %.3f fps) with %d dubbed segments on %s; lip-sync %s",
                        encoded.frameCount(), encoded.width(), encoded.height(), encoded.fps(), t.segments().size(),
                        ctx.nodeId(), lipsync)));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private final class RenderedFrames implements AutoCloseable {
        private final List<Rendered> parts;
        private int current = -1;
        private DataInputStream in;
        private long next;
        private Mat previous;

        RenderedFrames(List<Rendered> parts) {
            this.parts = parts;
        }

        /** The rendered frame {@code index} (asked in increasing order), or null where none was rendered. */
        Mat at(long index) {
            try {
                if (previous != null) {
                    previous.close();
                    previous = null;
                }
                while (current < parts.size()) {
                    Rendered r = current >= 0 ? parts.get(current) : null;
                    if (r != null && index >= r.framesFrom() && index < r.framesFrom() + r.frames()) {
                        while (next <= index) {
                            Mat m = SegmentFrames.read(in);
                            if (m == null) {
                                return null;
                            }
                            if (next++ == index) {
                                previous = m;
                                return m;
                            }
                            m.close();
                        }
                        return null;
                    }
                    Rendered following = current + 1 < parts.size() ? parts.get(current + 1) : null;
                    if (following == null || index < following.framesFrom()) {
                        return null;
                    }
                    if (in != null) {
                        in.close();
                    }
                    current++;
                    in = SegmentFrames.reader(media.store().open(owned(parts.get(current).framesMediaId())
                            .getStorageKey(), 0, -1));
                    next = parts.get(current).framesFrom();
                }
                return null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private Media owned(String id) {
            return media.get(id).orElseThrow(() -> new IllegalStateException("segment " + id + " is missing"));
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    private static float[] mono16k(AudioPcm pcm, ProSyncTimeline.Segment s) {
        short[] cut = pcm.slice(Math.round(s.cropStart() * 16_000), Math.round((s.end() - s.start()) * 16_000));
        float[] out = new float[cut.length];
        for (int i = 0; i < cut.length; i++) {
            out[i] = cut[i] / 32768f;
        }
        return out;
    }

    private static List<UserArea> erasures(Timeline t, ProSyncTimeline.Piece piece, MediaInfo info) {
        List<UserArea> out = new ArrayList<>();
        for (ProSyncTimeline.Effect e : t.effects()) {
            if (!e.type().equals("erasure")) {
                continue;
            }
            UserArea a = UserArea.ofSeconds(e.start(), e.end(), new TextBox(e.x(), e.y(), e.width(), e.height())
                    .clip(info.width(), info.height()), UserArea.Kind.ERASE, t.fps());
            if (a.lastFrame() >= piece.from() && a.firstFrame() < piece.to()) {
                out.add(a);
            }
        }
        return out;
    }

    private static List<Rect> protectedRects(Timeline t, double start, double end, MediaInfo info) {
        List<Rect> out = new ArrayList<>();
        for (ProSyncTimeline.Effect e : t.effects()) {
            if (e.type().equals("protection") && e.start() < end && e.end() > start) {
                out.add(rect(e, info));
            }
        }
        return out;
    }

    private static Rect rect(ProSyncTimeline.Effect e, MediaInfo info) {
        int x = Math.max(0, Math.min(info.width() - 1, e.x()));
        int y = Math.max(0, Math.min(info.height() - 1, e.y()));
        return new Rect(x, y, Math.max(1, Math.min(info.width() - x, e.width())),
                Math.max(1, Math.min(info.height() - y, e.height())));
    }

    /** The effect's text, as large as fits the box's height and width, in its colour (default white). */
    static void drawText(Mat frame, ProSyncTimeline.Effect e, MediaInfo info) {
        if (e.text().isEmpty()) {
            return;
        }
        Rect box = rect(e, info);
        int[] baseline = new int[1];
        Size unit = getTextSize(e.text(), FONT_HERSHEY_SIMPLEX, 1.0, 2, baseline);
        double scale = Math.min(box.height() * 0.8 / Math.max(1, unit.height() + baseline[0]),
                box.width() / (double) Math.max(1, unit.width()));
        int thickness = Math.max(1, (int) Math.round(scale * 2));
        int[] rgb = color(e.color());
        try (Mat roi = new Mat(frame, box)) {
            putText(roi, e.text(), new Point(0, (int) Math.round(box.height() * 0.5 + unit.height() * scale * 0.5)),
                    FONT_HERSHEY_SIMPLEX, scale, new Scalar(rgb[2], rgb[1], rgb[0], 0), thickness, LINE_AA, false);
        }
    }

    private static int[] color(String hex) {
        if (hex == null || !hex.matches("#[0-9a-fA-F]{6}")) {
            return new int[] {255, 255, 255};
        }
        int v = Integer.parseInt(hex.substring(1), 16);
        return new int[] {(v >> 16) & 255, (v >> 8) & 255, v & 255};
    }

    private static byte[] pcmBytes(short[] s) {
        ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(s);
        return b.array();
    }

    private static short[] pcm(byte[] bytes) {
        short[] s = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }

    private record Timeline(List<ProSyncTimeline.Segment> segments, List<ProSyncTimeline.Effect> effects, double fps,
                            long totalFrames, List<ProSyncTimeline.Piece> pieces) {}

    private static Timeline timeline(TaskContext ctx) {
        List<ProSyncTimeline.Segment> segments = ProSyncTimeline.segments(
                ctx.params().get(StudioContract.PRO_SYNC_SEGMENTS));
        List<ProSyncTimeline.Effect> effects = ProSyncTimeline.effects(ctx.params().get(StudioContract.PRO_SYNC_EFFECTS));
        double fps = Double.parseDouble(ctx.params().getOrDefault(StudioContract.FPS, "0"));
        long total = Long.parseLong(ctx.params().getOrDefault(StudioContract.TOTAL_FRAMES, "0"));
        return new Timeline(segments, effects, fps, total, ProSyncTimeline.pieces(segments, effects, fps, total));
    }

    private static String inputId(TaskContext ctx) {
        return ctx.params().getOrDefault(StudioContract.INPUT_MEDIA_ID, "");
    }

    private static String audioId(TaskContext ctx, int index) {
        String[] ids = ctx.params().getOrDefault(StudioContract.PRO_SYNC_AUDIO, "").split(",");
        if (index < 0 || index >= ids.length || ids[index].isBlank()) {
            throw TaskFailure.permanent("Invalid pro-sync request: audio file " + (index + 1) + " is missing", null);
        }
        return ids[index].trim();
    }

    /** One of the job owner's media: a job naming someone else's finds nothing. */
    private Media owned(TaskContext ctx, String mediaId) {
        return media.get(mediaId).filter(m -> m.getOwnerId().equals(ctx.task().getOwnerId()))
                .orElseThrow(() -> TaskFailure.permanent("File " + mediaId + " not found", null));
    }

    private LocalMediaCopy fetch(TaskContext ctx, String mediaId) throws IOException {
        return LocalMediaCopy.of(media, owned(ctx, mediaId), "framegrid-pro-sync-", ".media");
    }

    private String storeBlob(TaskContext ctx, String name, byte[] bytes) throws IOException {
        return storeMedia(ctx.task().getOwnerId(), name, "application/octet-stream",
                new java.io.ByteArrayInputStream(bytes), Map.of(StudioContract.MEDIA_JOB_ID, ctx.jobId(),
                        StudioContract.MEDIA_KIND, StudioContract.SEGMENT_KIND))
                .getMediaId();
    }

    private Media storeMedia(String owner, String filename, String type, InputStream in, Map<String, String> meta)
            throws IOException {
        String id = UUID.randomUUID().toString();
        MessageDigest sha = MediaLibrary.sha256();
        BlobStore.BlobWriter writer = media.store().create(MediaLibrary.blobKey(owner, id));
        try (java.security.DigestInputStream digest = new java.security.DigestInputStream(in, sha)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = digest.read(buffer)) > 0) {
                writer.write(buffer, 0, n);
            }
            long size = writer.commit();
            return media.register(id, owner, filename, type, size, HexFormat.of().formatHex(sha.digest()), meta);
        } finally {
            writer.close();
        }
    }

    private static void release(List<DecodedFrame> frames) {
        for (DecodedFrame f : frames) {
            f.image().close();
        }
    }
}
