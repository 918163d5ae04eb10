package io.framegrid.gpunode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.local.IsolatedSettings;
import io.framegrid.config.local.LocalPorts;
import io.framegrid.config.settings.Settings;
import io.framegrid.fabric.testing.GridExtension;
import io.framegrid.fabric.testing.Reflection;
import io.framegrid.fabric.testing.TestJobTypes;
import io.framegrid.fabric.grid.CacheCatalog;
import io.framegrid.fabric.grid.GridBootstrap;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.NodeProducts;
import io.framegrid.gpunode.tasks.TaskExecutors;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.reframer.ReframerContract;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ignite.Ignite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How a gpu-node finds its products, what it hands them, and what it serves besides them (in-process gRPC). */
class GpuNodeTest {
    @RegisterExtension
    static final GridExtension grid = new GridExtension();

    private static Path dir;
    private static FramegridConfig config;
    private static Ignite ignite;

    @BeforeAll
    static void joinGrid() throws Exception {
        dir = Files.createTempDirectory("framegrid-gpu-node");
        Settings.Builder settings = IsolatedSettings.forDiscovery(dir, "node-" + UUID.randomUUID(),
                LocalPorts.free(), "127.0.0.1:" + grid.config().grid().discoveryPort());
        settings.set("gpu-node.kernels.cuda", false);
        config = FramegridConfig.from(settings.build());
        ignite = new GridBootstrap(config.grid(), new CacheCatalog(0)).startClient("gpu-node", Map.of());
    }

    @AfterAll
    static void leaveGrid() throws Exception {
        if (ignite != null) {
            ignite.close();
        }
        GridExtension.deleteRecursively(dir);
    }

    private static GpuNode node(List<NodeProduct> products) {
        return new GpuNode(config, new Telemetry(new PrometheusRegistry()), ignite, NodeCapabilities.probe(),
                products);
    }

    @Test
    void productsOnTheClassPathAreFoundByTheirServicesFiles() {
        assertThat(NodeProducts.discover()).extracting(NodeProduct::name).contains("reframer", "test");
        try (GpuNode node = new GpuNode(config, new Telemetry(new PrometheusRegistry()), ignite,
                NodeCapabilities.probe())) {
            assertThat(node.taskExecutors().types()).contains(JobTypes.NOOP, ReframerContract.PROBE,
                    ReframerContract.RENDER, TestJobTypes.WRITE_OUTPUTS, TestJobTypes.MERGE);
        }
    }

    @Test
    void aNodeGivenItsProductsRunsThoseAloneWithTheEngineAndMediaItOwns() {
        AtomicReference<NodeProduct.Context> seen = new AtomicReference<>();
        NodeProduct only = new NodeProduct() {
            @Override
            public String name() {
                return "only";
            }

            @Override
            public void register(TaskExecutors executors, Context context) {
                seen.set(context);
                executors.register("only.task", ctx -> TaskCommit.empty());
            }
        };
        try (GpuNode node = node(List.of(only))) {
            assertThat(node.taskExecutors().types()).containsExactlyInAnyOrder(JobTypes.NOOP, "only.task");
            NodeProduct.Context context = seen.get();
            assertThat(context.inference()).isSameAs(node.inference());
            assertThat(context.ignite()).isSameAs(ignite);
            assertThat(context.device().cudaAvailable()).isFalse();
            assertThat(context.media().store().describe()).isEqualTo(config.media().localDir().toString());
            assertThat(context.decoder()).isNotNull();
        }
    }

    @Test
    void twoProductsOfOneNameArePackagingErrors() {
        NodeProduct twin = new NodeProduct() {
            @Override
            public String name() {
                return "twin";
            }

            @Override
            public void register(TaskExecutors executors, Context context) {
            }
        };
        assertThatThrownBy(() -> node(List.of(twin, twin))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'twin'");
    }

    @Test
    void twoProductsClaimingOneTaskTypeStopTheNode() {
        assertThatThrownBy(() -> node(List.of(claiming("first", "shared.task"), claiming("second", "shared.task"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'shared.task'");
    }

    private static NodeProduct claiming(String name, String taskType) {
        return new NodeProduct() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(TaskExecutors executors, Context context) {
                executors.register(taskType, ctx -> TaskCommit.empty());
            }
        };
    }

    @Test
    void bothReflectionVersionsListTheServices() throws Exception {
        String name = InProcessServerBuilder.generateName();
        try (GpuNode node = node(List.of())) {
            InProcessServerBuilder sb = InProcessServerBuilder.forName(name).directExecutor();
            node.configure(sb);
            Server server = sb.build().start();
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            try {
                List<String> expected = List.of("framegrid.inference.v1.InferenceService", "grpc.health.v1.Health");
                assertThat(Reflection.v1Services(channel)).containsAll(expected);
                assertThat(Reflection.v1alphaServices(channel)).containsAll(expected)
                        .contains("grpc.reflection.v1alpha.ServerReflection");
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
    }
}
