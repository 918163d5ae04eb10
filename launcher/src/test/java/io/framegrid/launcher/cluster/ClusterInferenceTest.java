package io.framegrid.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.settings.Settings;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.Image;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.proto.inference.v1.RawImage;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.inference.DetectionStream;
import io.framegrid.sdk.inference.InferenceClient;
import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real coordinator and two real gpu-nodes (client grid nodes of a private grid, gRPC on free ports): one
 * with built-in models only (no models dir), one with the shared models dir (YOLOX). Detection goes through
 * the SDK to the coordinator, which routes it to a node holding the model.
 */
class ClusterInferenceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of("jobs.heartbeat-interval", "200ms"));

    private static Node builtIn;
    private static Node withModels;
    private static FramegridClient user;
    private static List<DecodedFrame> frames;

    private record Node(Ignite ignite, GpuNode node, Telemetry telemetry, Path dir) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            node.close();
            ignite.close();
            CoordinatorExtension.deleteRecursively(dir);
        }

        double served(String model) {
            return telemetry.registry().scrape().stream()
                    .filter(m -> m.getMetadata().getName().equals("framegrid_inference_requests"))
                    .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
                    .filter(p -> model.equals(p.getLabels().get("model")) && "ok".equals(p.getLabels().get("outcome")))
                    .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
        }
    }

    private static Node gpuNode(String name, String modelsDir) throws Exception {
        Path dir = Files.createTempDirectory("framegrid-gpu-node");
        Settings.Builder settings = IsolatedSettings.forDiscovery(dir, name + "-" + UUID.randomUUID(),
                LocalPorts.free(), "127.0.0.1:" + cluster.config().grid().discoveryPort());
        settings.set("jobs.heartbeat-interval", "200ms");
        settings.set("gpu-node.models.dir", modelsDir);
        settings.set("gpu-node.kernels.cuda", false);
        FramegridConfig config = FramegridConfig.from(settings.build());
        Telemetry telemetry = new Telemetry(new PrometheusRegistry());
        NodeCapabilities capabilities = NodeCapabilities.probe();
        Ignite ignite = new GridBootstrap(config.grid(), new CacheCatalog(0))
                .startClient("gpu-node", capabilities.asAttributes());
        return new Node(ignite, new GpuNode(config, telemetry, ignite, capabilities).start(), telemetry, dir);
    }

    @BeforeAll
    static void startNodes() throws Exception {
        builtIn = gpuNode("builtin", "");
        withModels = gpuNode("models", SharedFiles.models().toString());
        String name = "inf" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Sup3rSecret").build());
        user = cluster.client().withBearerToken(
                cluster.client().identity().login(name, "Sup3rSecret").getAccessToken());
        frames = new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"), FrameSampling.range(100, 104));
        // Both nodes advertise within a heartbeat; until then routing answers UNAVAILABLE.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(FramegridException.class)
                .until(() -> user.inference().listModels().stream()
                .map(ModelInfo::getId).toList().containsAll(List.of("hog-people", "yolox-nano")));
    }

    @AfterAll
    static void stopNodes() throws Exception {
        if (withModels != null) withModels.close();
        if (builtIn != null) builtIn.close();
    }

    private static DetectRequest frame(String model, DecodedFrame f) {
        byte[] bgr = new byte[f.image().cols() * f.image().rows() * 3];
        f.image().data().get(bgr);
        return DetectRequest.newBuilder().setModelId(model).setFrameId(f.index())
                .setImage(Image.newBuilder().setRaw(RawImage.newBuilder().setWidth(f.image().cols())
                        .setHeight(f.image().rows()).setBgr(ByteString.copyFrom(bgr)))).build();
    }

    @Test
    void hogOnTheBuiltInModelsFindsPeopleAndSpreadsOverBothNodes() {
        InferenceClient inference = user.inference();
        double before = builtIn.served("hog-people") + withModels.served("hog-people");
        for (int i = 0; i < 4; i++) {
            DetectResponse r = inference.detect(frame("hog-people", frames.get(0)));
            assertThat(r.getModelId()).isEqualTo("hog-people");
            assertThat(r.getImageWidth()).isEqualTo(768);
            assertThat(r.getDetectionsList()).extracting(d -> d.getClassName()).contains("person");
        }
        // Sequential calls leave no load to compare, so the round-robin tie-break alternates the two holders.
        assertThat(builtIn.served("hog-people") + withModels.served("hog-people")).isEqualTo(before + 4);
        assertThat(builtIn.served("hog-people")).isGreaterThanOrEqualTo(1);
        assertThat(withModels.served("hog-people")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void yoloxIsRoutedToTheNodeWithTheModelsDir() {
        double before = withModels.served("yolox-nano");
        DetectResponse r = user.inferenceAsync().detect(frame("yolox-nano", frames.get(0))
                .toBuilder().setConfidenceThreshold(0.3f).build()).join();
        assertThat(r.getModelId()).isEqualTo("yolox-nano");
        assertThat(r.getDetectionsList()).extracting(d -> d.getClassName()).contains("person");
        assertThat(withModels.served("yolox-nano")).isEqualTo(before + 1);
        assertThat(builtIn.served("yolox-nano")).isZero();
    }

    @Test
    void detectStreamThroughTheCoordinatorAnswersEveryFrameInOrder() {
        List<DetectResponse> answers = new CopyOnWriteArrayList<>();
        DetectionStream stream = user.inferenceAsync().openStream(answers::add);
        // 12 raw 1.3 MB frames: far beyond a gRPC flow-control window, so the coordinator's relay must pace them.
        List<Long> ids = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (DecodedFrame f : frames) {
                long id = round * 1000L + f.index();
                ids.add(id);
                stream.send(frame("yolox-nano", f).toBuilder().setFrameId(id).build());
            }
        }
        stream.complete().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(answers).extracting(DetectResponse::getFrameId).containsExactlyElementsOf(ids);
        assertThat(answers).allSatisfy(a -> assertThat(a.getDetectionsList())
                .extracting(d -> d.getClassName()).contains("person"));
    }

    @Test
    void listModelsAggregatesBothNodes() {
        assertThat(user.inference().listModels()).extracting(ModelInfo::getId)
                .contains("hog-people", "haar-face", "paddleocr-db-text", "yolox-nano")
                .doesNotHaveDuplicates();
    }

    @Test
    void routingErrors() {
        FramegridException anonymous = catchDetect(cluster.client().inference(), "hog-people");
        assertThat(anonymous.code()).isEqualTo(Status.Code.UNAUTHENTICATED);

        FramegridException unknown = catchDetect(user.inference(), "no-such-model");
        assertThat(unknown.code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getMessage()).contains("no-such-model");

        // A model the cluster knows but no live node holds active now: UNAVAILABLE, on both call shapes.
        withModels.node().inference().registry().deactivate("yolox-nano");
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                FramegridException e = catchDetect(user.inference(), "yolox-nano");
                assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getMessage()).contains("No live gpu-node holds model 'yolox-nano'");
            });
            DetectionStream stream = user.inferenceAsync().openStream(r -> { });
            stream.send(frame("yolox-nano", frames.get(0)));
            assertThatThrownBy(() -> stream.complete().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join())
                    .hasCauseInstanceOf(FramegridException.class)
                    .cause().satisfies(c -> assertThat(((FramegridException) c).code())
                            .isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            withModels.node().inference().registry().activate("yolox-nano");
        }
        // Routable again within a heartbeat, so the tests after this one see the model.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(FramegridException.class).untilAsserted(() ->
                assertThat(user.inference().detect(frame("yolox-nano", frames.get(0))).getModelId())
                        .isEqualTo("yolox-nano"));
    }

    private FramegridException catchDetect(InferenceClient client, String model) {
        try {
            client.detect(frame(model, frames.get(0)));
        } catch (FramegridException e) {
            return e;
        }
        throw new AssertionError("detect with " + model + " succeeded");
    }
}
