package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.detection.v1.AddedModel;
import io.framegrid.proto.detection.v1.DetectionModelServiceGrpc;
import io.framegrid.proto.media.v1.Media;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Administrators add detection models: the manifest is checked here against what the gpu-nodes can decode, then
 * stored in {@code fg_detection_models}, which every node's detection plug-in watches (it downloads the file, checks
 * its digest and adds it to its model registry; the engine loads it on first use).
 */
final class DetectionModelGrpcService extends DetectionModelServiceGrpc.DetectionModelServiceImplBase {
    /** The models the nodes ship; an added model may not shadow one. */
    static final Set<String> SHIPPED = Set.of("yolox-nano", "paddleocr-db-text", "selfie-segmentation", "hog-people",
            "haar-face");
    static final String YOLOX = "yolox";
    static final int YOLOX_INPUT = 416;
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{1,63}");

    private final IgniteCache<String, byte[]> models;
    private final MediaLibrary media;
    private final Clock clock;

    DetectionModelGrpcService(Ignite ignite, MediaLibrary media, Clock clock) {
        this.models = ignite.cache(CacheNames.DETECTION_MODELS);
        this.media = media;
        this.clock = clock;
    }

    /** Stores a checked manifest for the nodes to load; the uploaded file must be the caller's media. */
    @Override
    public void addModel(AddedModel request, StreamObserver<AddedModel> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            if (!caller.isAdmin()) {
                throw Errors.forbidden("Only administrators add models");
            }
            return add(request, caller.userId());
        });
    }

    /** Checks {@code request} and stores it; its media must belong to {@code ownerId}. */
    AddedModel add(AddedModel request, String ownerId) {
        {
            if (!ID.matcher(request.getModelId()).matches()) {
                throw Errors.invalid("INVALID_MANIFEST", "id must be 2-64 characters of a-z, 0-9, '.', '_', '-'");
            }
            if (SHIPPED.contains(request.getModelId())) {
                throw Errors.of(Status.Code.ALREADY_EXISTS, "MODEL_EXISTS",
                        "'" + request.getModelId() + "' is a shipped model");
            }
            if (!YOLOX.equals(request.getDecoding())) {
                throw Errors.invalid("UNSUPPORTED_MODEL", "decoding must be 'yolox' (the one output decoding the "
                        + "nodes implement)");
            }
            if (request.getInputWidth() != YOLOX_INPUT || request.getInputHeight() != YOLOX_INPUT) {
                throw Errors.invalid("UNSUPPORTED_MODEL", "input_size must be [416, 416] for the yolox decoding");
            }
            List<String> classes = request.getClassesList();
            if (classes.isEmpty() || classes.size() > 1000 || new HashSet<>(classes).size() != classes.size()
                    || classes.stream().anyMatch(c -> c.isBlank() || c.contains(",") || c.length() > 100)) {
                throw Errors.invalid("INVALID_MANIFEST", "classes must be 1-1000 distinct non-empty names without commas");
            }
            float t = request.getDefaultThreshold();
            if (!(t >= 0 && t <= 1)) {
                throw Errors.invalid("INVALID_MANIFEST", "threshold must be between 0 and 1");
            }
            Media file = media.get(request.getMediaId()).filter(m -> m.getOwnerId().equals(ownerId))
                    .orElseThrow(() -> Errors.notFound("MEDIA_NOT_FOUND", "The model file was not found"));
            AddedModel stored = request.toBuilder().setSha256(file.getSha256()).setCreatedMs(clock.millis())
                    .setAddedBy(ownerId).setName(request.getName().isBlank() ? request.getModelId()
                            : request.getName()).setVersion(request.getVersion().isBlank() ? "1" : request.getVersion())
                    .setDefaultThreshold(t == 0 ? 0.3f : t).build();
            // Ids are never reused: nodes keep a loaded model's session by id.
            if (!models.putIfAbsent(stored.getModelId(), stored.toByteArray())) {
                throw Errors.of(Status.Code.ALREADY_EXISTS, "MODEL_EXISTS",
                        "A model '" + stored.getModelId() + "' was already added");
            }
            return stored;
        }
    }

    /** Refuses what {@link #add} would refuse, before anything is downloaded. */
    static void check(AddedModel request) {
        if (!ID.matcher(request.getModelId()).matches() || SHIPPED.contains(request.getModelId())
                || !YOLOX.equals(request.getDecoding()) || request.getInputWidth() != YOLOX_INPUT
                || request.getInputHeight() != YOLOX_INPUT || request.getClassesCount() == 0) {
            throw Errors.invalid("UNSUPPORTED_MODEL", "The trained model must be a yolox model at 416 x 416 with "
                    + "classes and a new id");
        }
    }
}
