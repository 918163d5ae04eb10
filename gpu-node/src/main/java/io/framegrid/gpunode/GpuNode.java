package io.framegrid.gpunode;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.gpunode.capabilities.NodeCapabilities;
import io.framegrid.gpunode.tasks.NodeProduct;
import io.framegrid.gpunode.tasks.NodeProducts;
import io.framegrid.observability.Telemetry;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compute node: a member of the grid (its own client node, or the standalone JVM's shared node)
 * that publishes its capabilities and serves node-local gRPC services (health, reflection, inference).
 */
public final class GpuNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GpuNode.class);

    private final FramegridConfig config;
    private final Telemetry telemetry;
    private final Ignite ignite;
    private final NodeCapabilities capabilities;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<BindableService> services = new ArrayList<>();
    private final io.framegrid.gpunode.tasks.TaskExecutors taskExecutors =
            io.framegrid.gpunode.tasks.TaskExecutors.withBuiltIns();
    private final io.framegrid.gpunode.tasks.TaskWorker taskWorker;
    private final List<NodeProduct> products;
    private final io.framegrid.gpunode.inference.InferenceEngine inference;
    private final io.framegrid.gpunode.kernels.ComputeDevice device;
    private final BlobStore blobStore;
    private Server server;

    /** A gpu-node running every {@link NodeProduct} on its class path. */
    public GpuNode(FramegridConfig config, Telemetry telemetry, Ignite ignite, NodeCapabilities capabilities) {
        this(config, telemetry, ignite, capabilities, NodeProducts.discover());
    }

    /** A gpu-node running exactly {@code products} (tests pass their own). */
    public GpuNode(FramegridConfig config, Telemetry telemetry, Ignite ignite, NodeCapabilities capabilities,
            Iterable<? extends NodeProduct> products) {
        List<NodeProduct> plugins = NodeProducts.checked(products);
        this.config = config;
        this.telemetry = telemetry;
        this.ignite = ignite;
        this.capabilities = capabilities;
        Info.builder()
                .name("framegrid_gpu_node")
                .help("Capabilities of the gpu-node in this JVM: whether it has a GPU and which")
                .labelNames("node_id", "gpu_present", "gpu_name")
                .register(telemetry.registry())
                .setLabelValues(ignite.cluster().localNode().id().toString(),
                        String.valueOf(capabilities.gpuPresent()), capabilities.gpuName());
        Gauge cores = Gauge.builder()
                .name("framegrid_gpu_node_cpu_cores")
                .help("CPU cores available to the gpu-node in this JVM")
                .register(telemetry.registry());
        cores.set(capabilities.cpuCores());
        this.taskWorker = new io.framegrid.gpunode.tasks.TaskWorker(ignite,
                // Exported like the coordinator's: jobs this node completes and fails are counted here.
                new io.framegrid.fabric.jobs.JobLedger(ignite, config.jobs(), java.time.Clock.systemUTC(),
                        telemetry.shared(io.framegrid.fabric.jobs.LedgerMetrics.class,
                                () -> new io.framegrid.fabric.jobs.LedgerMetrics().register(telemetry.registry()))),
                taskExecutors, io.framegrid.gpunode.tasks.WorkerProfile.from(config.jobs(), ignite.name(),
                        capabilities.gpuPresent()), java.time.Clock.systemUTC());
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("framegrid_gpu_node_task_slots")
                .help("Concurrent task slots of the gpu-node in this JVM")
                .callback(cb -> cb.call(taskWorker.slots()))
                .register(telemetry.registry());
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
                .name("framegrid_gpu_node_running_tasks")
                .help("Tasks the gpu-node in this JVM runs now")
                .callback(cb -> cb.call(taskWorker.runningTasks()))
                .register(telemetry.registry());
        // One device probe per node: inference and every product's frame kernels share it (GPU or CPU twins).
        this.device = io.framegrid.gpunode.kernels.ComputeDevice.detect(config.gpuNode().cudaKernels());
        this.inference = newInferenceEngine(config.gpuNode(), telemetry, device);
        // Frames decoded here land in the grid's frame cache (and its near cache), so later stages and other
        // nodes reuse them instead of decoding again.
        io.framegrid.gpunode.framecache.GridFrameCache frames = new io.framegrid.gpunode.framecache.GridFrameCache(
                ignite, (long) config.jobs().nearFrameCacheMb() << 20, telemetry.registry());
        // One blob store per node, closed with it: every product reads and writes media through this library.
        this.blobStore = MediaLibrary.openStore(config.media(), config.dataDir());
        NodeProduct.Context context = new NodeProduct.Context(ignite, config, inference, device,
                new io.framegrid.gpunode.media.MediaDecoder(frames),
                new MediaLibrary(ignite, blobStore, config.media(), java.time.Clock.systemUTC()));
        this.products = plugins;
        try {
            plugins.forEach(p -> p.register(taskExecutors, context));
        } catch (RuntimeException e) {
            // A product that cannot register (e.g. claims another's task type) stops the node before it serves.
            closeProducts();
            inference.close();
            blobStore.close();
            throw e;
        }
        log.info("gpu-node products: {}; task types {}", plugins.stream().map(NodeProduct::name).toList(),
                new java.util.TreeSet<>(taskExecutors.types()));
        services.add(new io.framegrid.gpunode.inference.InferenceGrpcService(inference,
                () -> ignite.cluster().localNode().id().toString()));
    }

    // Models load lazily on their first request, so building the engine here costs no start-up time.
    private static io.framegrid.gpunode.inference.InferenceEngine newInferenceEngine(FramegridConfig.GpuNode cfg,
            Telemetry telemetry, io.framegrid.gpunode.kernels.ComputeDevice device) {
        io.framegrid.gpunode.models.ModelRegistry registry = new io.framegrid.gpunode.models.ModelRegistry(
                cfg.modelsDir());
        io.framegrid.gpunode.inference.BatchSettings batching = new io.framegrid.gpunode.inference.BatchSettings(
                cfg.maxBatchSize(), cfg.maxQueueDelay(), cfg.maxQueueSize());
        log.info("Vision engine: kernels {}, models {}", device.description(),
                registry.list().stream().map(io.framegrid.gpunode.models.ModelManifest::id).toList());
        return new io.framegrid.gpunode.inference.InferenceEngine(registry,
                new io.framegrid.gpunode.inference.DetectorFactory(registry, device.kernels()), batching,
                new io.framegrid.gpunode.inference.BatchingMetrics(telemetry.registry()));
    }

    /** The node's vision engine (registry, detectors, batchers), served by its InferenceService. */
    public io.framegrid.gpunode.inference.InferenceEngine inference() {
        return inference;
    }

    /** Task types this node runs; products register their executors before {@link #start()}. */
    public io.framegrid.gpunode.tasks.TaskExecutors taskExecutors() {
        return taskExecutors;
    }

    /** Adds a node-local service (e.g. inference) before {@link #start()}. */
    public GpuNode addService(BindableService service) {
        services.add(service);
        return this;
    }

    public NodeCapabilities capabilities() {
        return capabilities;
    }

    public Ignite ignite() {
        return ignite;
    }

    /** Adds every node-local service to {@code sb}; tests reuse this. */
    @SuppressWarnings("deprecation") // ProtoReflectionService is v1alpha, kept for the clients that know no other
    public void configure(ServerBuilder<?> sb) {
        services.forEach(sb::addService);
        // Raw BGR frames exceed gRPC's 4 MiB default from 1080p up (1920×1080×3 ≈ 6 MiB); room for 4K.
        sb.maxInboundMessageSize(64 << 20);
        sb.addService(health.getHealthService());
        sb.addService(ProtoReflectionServiceV1.newInstance());
        // v1alpha too: older grpcurl, grpc_cli, Postman and Evans ask only for it.
        sb.addService(ProtoReflectionService.newInstance());
        sb.intercept(telemetry.grpcServer().interceptor("gpu-node"));
        health.setStatus("", ServingStatus.SERVING);
        services.forEach(s -> health.setStatus(s.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING));
    }

    public GpuNode start() {
        NettyServerBuilder sb = NettyServerBuilder.forAddress(
                new InetSocketAddress(config.gpuNode().host(), config.gpuNode().port()));
        configure(sb);
        try {
            server = sb.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("gpu-node gRPC server cannot bind port " + config.gpuNode().port(), e);
        }
        taskWorker.advertiseInference(advertisedHost() + ":" + server.getPort(),
                inference.registry()::activeDetectorIds);
        taskWorker.start();
        log.info("gpu-node {} up: {} CPU cores, {} MiB heap, GPU {}; gRPC on port {}",
                ignite.cluster().localNode().id(), capabilities.cpuCores(), capabilities.maxHeapBytes() >> 20,
                capabilities.gpuPresent() ? capabilities.gpuName() : "none", server.getPort());
        return this;
    }

    // A wildcard bind is not an address others can dial: advertise the grid's local address instead.
    private String advertisedHost() {
        String host = config.gpuNode().host();
        if (!host.isEmpty() && !host.equals("0.0.0.0") && !host.equals("::")) {
            return host;
        }
        String grid = config.grid().localAddress();
        if (grid != null && !grid.isEmpty() && !grid.equals("0.0.0.0")) {
            return grid;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        taskWorker.close();
        if (server != null) {
            health.enterTerminalState();
            server.shutdown();
            try {
                if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.shutdownNow();
            }
        }
        // After the server and the worker: no request or task can reach a closed batcher, session or store.
        closeProducts();
        inference.close();
        blobStore.close();
    }

    private void closeProducts() {
        for (NodeProduct p : products) {
            try {
                p.close();
            } catch (RuntimeException e) {
                // One product's failure to stop must not keep the node's engine and store open.
                log.warn("Closing gpu-node product {} failed: {}", p.name(), e.toString());
            }
        }
    }
}
