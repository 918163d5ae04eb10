package io.framegrid.coordinator;

import io.framegrid.config.FramegridConfig;
import io.framegrid.coordinator.identity.AdminBootstrap;
import io.framegrid.coordinator.identity.CallAuthenticator;
import io.framegrid.coordinator.identity.ClusterSecrets;
import io.framegrid.coordinator.identity.IdentityGrpcService;
import io.framegrid.coordinator.identity.PasswordHasher;
import io.framegrid.coordinator.identity.TokenService;
import io.framegrid.coordinator.identity.UserDirectory;
import io.framegrid.coordinator.identity.UserRecord;
import io.framegrid.fabric.jobs.JobEventHub;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.coordinator.jobs.JobsGrpcService;
import io.framegrid.fabric.jobs.LeaseReaper;
import io.framegrid.fabric.media.BlobStore;
import io.framegrid.coordinator.media.MediaGrpcService;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.fabric.media.UploadJanitor;
import io.framegrid.coordinator.nodes.NodeDirectory;
import io.framegrid.coordinator.nodes.NodeGrpcService;
import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.coordinator.products.CoordinatorProducts;
import io.framegrid.observability.Telemetry;
import io.framegrid.proto.identity.v1.IdentityServiceGrpc;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The coordinator's gRPC server: public services over the grid, plus standard health and reflection. */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final FramegridConfig config;
    private final Telemetry telemetry;
    private final HealthStatusManager health = new HealthStatusManager();
    private final IdentityGrpcService identity;
    private final CallAuthenticator authenticator;
    private final JobTypes jobTypes = JobTypes.withBuiltIns();
    private final JobEventHub jobEvents;
    private final JobsGrpcService jobs;
    private final LeaseReaper leaseReaper;
    private final NodeDirectory nodeDirectory;
    private final NodeGrpcService nodes;
    private final BlobStore blobStore;
    private final MediaLibrary mediaLibrary;
    private final MediaGrpcService media;
    private final UploadJanitor uploadJanitor;
    private final io.framegrid.coordinator.inference.InferenceRoutingService inference;
    private final List<CoordinatorProduct> plugins;
    private final List<BindableService> productServices;
    private Server server;
    private Server inProcessServer;
    private String inProcessName;

    /** A coordinator running every {@link CoordinatorProduct} on its class path. */
    public CoordinatorServer(Ignite ignite, FramegridConfig config, Telemetry telemetry, Clock clock) {
        this(ignite, config, telemetry, clock, CoordinatorProducts.discover());
    }

    /** A coordinator running exactly {@code products} (tests pass their own). */
    public CoordinatorServer(Ignite ignite, FramegridConfig config, Telemetry telemetry, Clock clock,
            Iterable<? extends CoordinatorProduct> products) {
        List<CoordinatorProduct> plugins = CoordinatorProducts.checked(products);
        this.config = config;
        this.telemetry = telemetry;
        FramegridConfig.Identity id = config.identity();
        UserDirectory directory = new UserDirectory(ignite, clock);
        PasswordHasher hasher = new PasswordHasher();
        TokenService tokens = new TokenService(ClusterSecrets.jwtSecret(ignite, id.jwtSecret()), id.jwtIssuer(),
                id.accessTokenTtl(), id.refreshTokenTtl(), clock);
        this.identity = new IdentityGrpcService(directory, tokens, hasher, id.passwordMinLength(), id.signupCredits(),
                new io.framegrid.coordinator.identity.QuotaLedger(ignite, clock));
        this.authenticator = new CallAuthenticator(tokens, directory);
        AdminBootstrap.ensureAdmin(directory, hasher, id, config.dataDir());
        JobLedger ledger = new JobLedger(ignite, config.jobs(), clock, ledgerMetrics(telemetry));
        this.jobEvents = new JobEventHub(ignite);
        java.util.function.Function<String, String> tierOf =
                userId -> directory.byId(userId).map(UserRecord::tier).orElse("free");
        this.jobs = new JobsGrpcService(ignite, ledger, jobTypes, jobEvents, tierOf);
        this.leaseReaper = new LeaseReaper(ignite, ledger, clock).start(config.jobs().heartbeatInterval());
        this.nodeDirectory = new NodeDirectory(ignite,
                config.jobs().heartbeatInterval().multipliedBy(3).plusSeconds(2), clock);
        this.nodes = new NodeGrpcService(nodeDirectory);
        // Once per JVM (tests may build several coordinators over one registry): queue depth by job type, over the
        // primary partitions of this server node, and the compute capacity its node directory sees.
        telemetry.shared(io.framegrid.fabric.jobs.QueueMetrics.class, () -> {
            io.framegrid.coordinator.nodes.NodeMetrics.register(telemetry.registry(), nodeDirectory);
            return io.framegrid.fabric.jobs.QueueMetrics.register(telemetry.registry(), ignite, jobTypes::types);
        });
        // Node list re-read at most every 250 ms: new gpu-nodes become routable within one heartbeat anyway.
        this.inference = new io.framegrid.coordinator.inference.InferenceRoutingService(
                new io.framegrid.coordinator.inference.ModelRouter(nodeDirectory, java.time.Duration.ofMillis(250)),
                new io.framegrid.coordinator.inference.NodeChannels());
        this.blobStore = MediaLibrary.openStore(config.media(), config.dataDir());
        this.mediaLibrary = new MediaLibrary(ignite, blobStore, config.media(), clock);
        CoordinatorProduct.Context context = new CoordinatorProduct.Context(ignite, config, mediaLibrary, clock,
                telemetry.registry());
        plugins.forEach(p -> p.register(jobTypes, context));
        this.plugins = plugins;
        this.productServices = plugins.stream().flatMap(p -> p.services(context).stream()).toList();
        log.info("Coordinator products: {}", plugins.stream().map(CoordinatorProduct::name).toList());
        this.media = new MediaGrpcService(mediaLibrary, tierOf);
        this.uploadJanitor = new UploadJanitor(mediaLibrary)
                .start(java.time.Duration.ofMinutes(1).compareTo(config.media().uploadExpiry()) < 0
                        ? java.time.Duration.ofMinutes(1) : config.media().uploadExpiry());
    }

    /** This JVM's ledger metrics: a standalone JVM's coordinator and gpu-node count into one set. */
    static io.framegrid.fabric.jobs.LedgerMetrics ledgerMetrics(Telemetry telemetry) {
        return telemetry.shared(io.framegrid.fabric.jobs.LedgerMetrics.class,
                () -> new io.framegrid.fabric.jobs.LedgerMetrics().register(telemetry.registry()));
    }

    /** Media metadata and blobs (for services in this JVM that produce or read media). */
    public MediaLibrary mediaLibrary() {
        return mediaLibrary;
    }

    /** Job types this coordinator accepts; products register theirs before serving. */
    public JobTypes jobTypes() {
        return jobTypes;
    }

    /** Adds every coordinator service to {@code sb}; tests reuse this with their own builders. */
    @SuppressWarnings("deprecation") // ProtoReflectionService is v1alpha, kept for the clients that know no other
    public void configure(ServerBuilder<?> sb) {
        sb.addService(ServerInterceptors.intercept(identity, authenticator));
        sb.addService(ServerInterceptors.intercept(jobs, authenticator));
        sb.addService(ServerInterceptors.intercept(nodes, authenticator));
        sb.addService(ServerInterceptors.intercept(media.definition(), authenticator));
        sb.addService(ServerInterceptors.intercept(inference, authenticator));
        // Products' own services: authenticated like every other, named by no one here.
        productServices.forEach(service -> sb.addService(ServerInterceptors.intercept(service, authenticator)));
        sb.maxInboundMessageSize(MediaGrpcService.MAX_MESSAGE_BYTES);
        sb.addService(health.getHealthService());
        sb.addService(ProtoReflectionServiceV1.newInstance());
        // v1alpha too: older grpcurl, grpc_cli, Postman and Evans ask only for it.
        sb.addService(ProtoReflectionService.newInstance());
        sb.intercept(telemetry.grpcServer().interceptor("coordinator"));
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(IdentityServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    }

    public CoordinatorServer start() {
        NettyServerBuilder sb = NettyServerBuilder.forAddress(
                new InetSocketAddress(config.coordinator().host(), config.coordinator().port()));
        sb.flowControlWindow(MediaGrpcService.FLOW_CONTROL_WINDOW);
        configure(sb);
        try {
            server = sb.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("Coordinator gRPC server cannot bind " + config.coordinator().host() + ":"
                    + config.coordinator().port(), e);
        }
        log.info("Coordinator gRPC server listening on {}", server.getListenSockets());
        return this;
    }

    /**
     * A new channel to this coordinator's services from inside this JVM, over gRPC's in-process transport: the same
     * services, interceptors and authentication as the network server, without sockets or HTTP/2 framing, and with
     * protobuf messages handed over as objects instead of serialised. For roles that share the process (the
     * standalone launcher's gateway, benchmarks); multi-host roles reach {@link #port()}. The in-process server
     * starts with the first channel and stops with this coordinator; the caller shuts its channel down.
     */
    public synchronized ManagedChannel inProcessChannel() {
        if (inProcessServer == null) {
            inProcessName = "framegrid-coordinator-" + UUID.randomUUID();
            InProcessServerBuilder sb = InProcessServerBuilder.forName(inProcessName);
            configure(sb);
            try {
                inProcessServer = sb.build().start();
            } catch (IOException e) {
                throw new UncheckedIOException("In-process coordinator server cannot start", e);
            }
        }
        return InProcessChannelBuilder.forName(inProcessName).build();
    }

    public int port() {
        return server.getPort();
    }

    /** Health service state, so drain can be signalled before the server stops. */
    public HealthStatusManager health() {
        return health;
    }

    @Override
    public synchronized void close() {
        plugins.forEach(CoordinatorProduct::close);
        leaseReaper.close();
        nodeDirectory.close();
        inference.close();
        uploadJanitor.close();
        blobStore.close();
        jobEvents.close();
        health.enterTerminalState();
        stop(inProcessServer);
        stop(server);
    }

    private static void stop(Server server) {
        if (server == null) {
            return;
        }
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
}
