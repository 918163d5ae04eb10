package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.gpunode.GpuNode;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gpunode.kernels.CpuFrameKernels;
import io.framegrid.gpunode.media.DecodedFrame;
import io.framegrid.gpunode.media.FrameSampling;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.Image;
import io.framegrid.proto.inference.v1.InferenceServiceGrpc;
import io.framegrid.proto.inference.v1.ListModelsRequest;
import io.framegrid.proto.inference.v1.ModelInfo;
import io.framegrid.proto.inference.v1.RawImage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's InferenceService as production serves it: a {@link GpuNode} on a private grid, its services added
 * by {@link GpuNode#configure} to an in-process server (the transport is not what is tested here).
 */
class InferenceGrpcServiceTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension(Map.of(
            "gpu-node.models.dir", SharedFiles.models().toString(),
            "gpu-node.kernels.cuda", false));

    private static GpuNode node;
    private static Server server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        node = new GpuNode(grid.config(), new Telemetry(new PrometheusRegistry()), grid.ignite(),
                NodeCapabilities.probe());
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder sb = InProcessServerBuilder.forName(name).directExecutor();
        node.configure(sb);
        server = sb.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterAll
    static void stop() {
        if (channel != null) channel.shutdownNow();
        if (server != null) server.shutdownNow();
        if (node != null) node.close();
    }

    @Test
    void healthReportsTheInferenceServiceServing() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder()
                .setService(InferenceServiceGrpc.SERVICE_NAME).build());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void detectFindsObjectsInAJpeg() throws Exception {
        byte[] jpeg = Files.readAllBytes(SharedFiles.media("images/person.jpg"));
        DetectResponse response = InferenceServiceGrpc.newBlockingStub(channel).detect(DetectRequest.newBuilder()
                .setModelId("yolox-nano").setConfidenceThreshold(0.4f).setFrameId(42)
                .setImage(Image.newBuilder().setEncoded(ByteString.copyFrom(jpeg))).build());
        assertThat(response.getFrameId()).isEqualTo(42);
        assertThat(response.getImageWidth()).isEqualTo(640);
        assertThat(response.getDetectionsList()).extracting(d -> d.getClassName()).contains("person", "horse");
        assertThat(response.getDetectionsList()).allSatisfy(d -> assertThat(d.getConfidence()).isGreaterThanOrEqualTo(0.4f));
    }

    @Test
    void detectStreamAnswersEveryFrameInOrder() {
        List<DecodedFrame> frames = new MediaDecoder().decodeToList(SharedFiles.media("vtest.avi"),
                FrameSampling.range(100, 106));
        List<DetectResponse> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        StreamObserver<DetectRequest> requests = InferenceServiceGrpc.newStub(channel).detectStream(
                new StreamObserver<>() {
                    @Override
                    public void onNext(DetectResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.set(true);
                    }

                    @Override
                    public void onCompleted() {
                        done.set(true);
                    }
                });
        for (DecodedFrame f : frames) {
            byte[] bgr = new byte[f.image().cols() * f.image().rows() * 3];
            f.image().data().get(bgr);
            requests.onNext(DetectRequest.newBuilder().setModelId("hog-people").setFrameId(f.index())
                    .setImage(Image.newBuilder().setRaw(RawImage.newBuilder().setWidth(f.image().cols())
                            .setHeight(f.image().rows()).setBgr(ByteString.copyFrom(bgr)))).build());
        }
        requests.onCompleted();
        await().untilTrue(done);
        assertThat(answers).extracting(DetectResponse::getFrameId).containsExactly(100L, 101L, 102L, 103L, 104L, 105L);
        assertThat(answers).anySatisfy(a -> assertThat(a.getDetectionsList()).isNotEmpty());
    }

    @Test
    void listModelsReportsManifests() {
        List<ModelInfo> models = InferenceServiceGrpc.newBlockingStub(channel)
                .listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
        assertThat(models).extracting(ModelInfo::getId)
                .contains("yolox-nano", "paddleocr-db-text", "selfie-segmentation", "hog-people", "haar-face");
        ModelInfo yolox = models.stream().filter(m -> m.getId().equals("yolox-nano")).findFirst().orElseThrow();
        assertThat(yolox.getClassNamesList()).hasSize(80).contains("dog", "horse");
        assertThat(yolox.getSha256()).hasSize(64);
        assertThat(yolox.getActive()).isTrue();
    }

    @Test
    void errorsCarryStatusAndDescription() {
        var stub = InferenceServiceGrpc.newBlockingStub(channel);
        assertThatThrownBy(() -> stub.detect(DetectRequest.newBuilder().setModelId("nope")
                .setImage(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("x"))).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    // The image is decoded before the model is looked up.
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                });
        assertThatThrownBy(() -> stub.detect(DetectRequest.newBuilder().setModelId("yolox-nano")
                .setImage(Image.newBuilder().setEncoded(ByteString.copyFromUtf8("not an image"))).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("not a format");
                });
        byte[] jpeg = new byte[] {1, 2, 3};
        assertThatThrownBy(() -> stub.detect(DetectRequest.newBuilder().setModelId("missing-model")
                .setImage(Image.newBuilder().setRaw(RawImage.newBuilder().setWidth(1).setHeight(1)
                        .setBgr(ByteString.copyFrom(jpeg)))).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
