package io.framegrid.config;

import io.framegrid.config.settings.ConfigException;
import io.framegrid.config.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The typed view of {@link Settings}: one record per role or concern, validated once at start-up. */
public record FramegridConfig(
        Path dataDir,
        Grid grid,
        Coordinator coordinator,
        GpuNode gpuNode,
        Gateway gateway,
        Metrics metrics,
        Identity identity,
        Jobs jobs,
        Media media) {

    public static FramegridConfig from(Settings s) {
        FramegridConfig config = read(s);
        // A ledger change must outlast the grid dropping a cut-off client node: until then that client's
        // transactions keep their locks, and a change that gave up first would fail for nothing.
        if (config.jobs().transactionRetryTime().compareTo(config.grid().clientFailureDetectionTimeout()) <= 0) {
            throw new ConfigException("'jobs.transaction.retry-time' (" + config.jobs().transactionRetryTime()
                    + ") must be longer than 'grid.client-failure-detection-timeout' ("
                    + config.grid().clientFailureDetectionTimeout() + ")");
        }
        return config;
    }

    private static FramegridConfig read(Settings s) {
        Path dataDir = Path.of(s.getString("data-dir")).toAbsolutePath().normalize();
        return new FramegridConfig(
                dataDir,
                new Grid(
                        s.getString("grid.instance-name"),
                        s.getString("grid.consistent-id"),
                        s.getString("grid.local-address"),
                        s.getPort("grid.discovery.port"),
                        s.getInt("grid.discovery.port-range"),
                        s.getList("grid.discovery.addresses"),
                        s.getPort("grid.communication.port"),
                        s.getDuration("grid.join-timeout"),
                        s.getBoolean("grid.persistence.enabled"),
                        positive(s, "grid.durable-region.max-size-mb"),
                        positive(s, "grid.cache-region.max-size-mb"),
                        positive(s, "grid.wal.max-size-mb"),
                        s.getInt("grid.backups"),
                        dataDir.resolve("ignite"),
                        positive(s.getDuration("grid.failure-detection-timeout"), "grid.failure-detection-timeout"),
                        positive(s.getDuration("grid.client-failure-detection-timeout"),
                                "grid.client-failure-detection-timeout"),
                        positive(s.getDuration("grid.transaction.timeout-on-exchange"),
                                "grid.transaction.timeout-on-exchange")),
                new Coordinator(s.getString("coordinator.grpc.host"), s.getPort("coordinator.grpc.port")),
                new GpuNode(s.getString("gpu-node.grpc.host"), s.getPort("gpu-node.grpc.port"),
                        // Empty: <data-dir>/models, where `framegrid models add` puts models (missing = built-ins only).
                        s.getString("gpu-node.models.dir").isEmpty()
                                ? dataDir.resolve("models")
                                : Path.of(s.getString("gpu-node.models.dir")).toAbsolutePath().normalize(),
                        positive(s, "gpu-node.inference.max-batch-size"),
                        s.getDuration("gpu-node.inference.max-queue-delay"),
                        positive(s, "gpu-node.inference.max-queue-size"),
                        s.getBoolean("gpu-node.kernels.cuda")),
                Gateway.from(s),
                new Metrics(s.getBoolean("metrics.enabled"), s.getString("metrics.host"), s.getPort("metrics.port")),
                new Identity(
                        s.getString("identity.jwt.secret"),
                        s.getString("identity.jwt.issuer"),
                        s.getDuration("identity.access-token-ttl"),
                        s.getDuration("identity.refresh-token-ttl"),
                        s.getLong("identity.signup-credits"),
                        positive(s, "identity.password.min-length"),
                        s.getString("identity.admin.email"),
                        s.getString("identity.admin.username"),
                        s.getString("identity.admin.password")),
                new Jobs(
                        s.getDuration("jobs.lease-time"),
                        s.getDuration("jobs.heartbeat-interval"),
                        positive(s, "jobs.max-attempts"),
                        positive(s, "jobs.tier-limit.free"),
                        positive(s, "jobs.tier-limit.pro"),
                        positive(s, "jobs.tier-limit.enterprise"),
                        positive(s, "jobs.log.max-lines"),
                        positive(s, "gpu-node.task-slots"),
                        s.getString("gpu-node.gpu"),
                        s.getList("gpu-node.models"),
                        positive(s, "frame-cache.near-max-size-mb"),
                        positive(s.getDuration("jobs.transaction.lock-timeout"), "jobs.transaction.lock-timeout"),
                        positive(s.getDuration("jobs.transaction.retry-time"), "jobs.transaction.retry-time")),
                new Media(
                        s.getString("media.store"),
                        s.getString("media.local.dir").isEmpty()
                                ? dataDir.resolve("media") : Path.of(s.getString("media.local.dir")).toAbsolutePath(),
                        s.getString("media.s3.endpoint"),
                        s.getString("media.s3.bucket"),
                        s.getString("media.s3.region"),
                        s.getString("media.s3.access-key"),
                        s.getString("media.s3.secret-key"),
                        s.getDuration("media.upload-expiry"),
                        positive(s, "media.max-size-mb.free"),
                        positive(s, "media.max-size-mb.pro"),
                        positive(s, "media.max-size-mb.enterprise")));
    }

    private static Duration positive(Duration value, String key) {
        if (value.isNegative() || value.isZero()) {
            throw new ConfigException("'" + key + "' must be positive, got " + value);
        }
        return value;
    }

    private static int positive(Settings s, String key) {
        int value = s.getInt(key);
        if (value <= 0) {
            throw new ConfigException("'" + key + "' must be positive, got " + value);
        }
        return value;
    }

    /**
     * Ignite membership, discovery and storage.
     *
     * @param failureDetectionTimeout how long a server node may be silent before the others drop it (also the
     *        communication SPI's connect budget to a server)
     * @param clientFailureDetectionTimeout the same for a client node (a gpu-node): until it is dropped, the
     *        transactions it had open keep their locks, so this bounds how long a cut-off gpu-node can hold up
     *        the others (see {@code GridBootstrap})
     * @param txTimeoutOnExchange longest a partition map exchange waits for open transactions before rolling
     *        them back
     */
    public record Grid(
            String instanceName,
            String consistentId,
            String localAddress,
            int discoveryPort,
            int discoveryPortRange,
            List<String> discoveryAddresses,
            int communicationPort,
            Duration joinTimeout,
            boolean persistenceEnabled,
            int durableRegionMaxSizeMb,
            int cacheRegionMaxSizeMb,
            int walMaxSizeMb,
            int backups,
            Path workDirectory,
            Duration failureDetectionTimeout,
            Duration clientFailureDetectionTimeout,
            Duration txTimeoutOnExchange) {}

    public record Coordinator(String host, int port) {}

    /**
     * The gpu-node's gRPC server and vision engine.
     *
     * @param modelsDir folder of model files and manifests; null serves the built-in models only
     */
    public record GpuNode(
            String host,
            int port,
            Path modelsDir,
            int maxBatchSize,
            Duration maxQueueDelay,
            int maxQueueSize,
            boolean cudaKernels) {}

    /**
     * The REST gateway: what every surface shares, plus each product surface's own settings read by name from the
     * keys {@code gateway.<name>.*} ({@link #surface(String)}), so a product adds keys, not fields here.
     */
    public record Gateway(
            String coordinatorTarget,
            String host,
            int adminPort,
            int maxJsonBodyBytes,
            int authRateLimitPerMinute,
            Settings settings) {

        /** Validates the shared keys and every surface's port once, at start-up. */
        static Gateway from(Settings s) {
            Gateway gateway = new Gateway(
                    s.getString("gateway.coordinator-target"),
                    s.getString("gateway.host"),
                    s.getPort("gateway.admin.port"),
                    positive(s, "gateway.max-json-body-bytes"),
                    positive(s, "gateway.auth-rate-limit.per-minute"),
                    s);
            gateway.surfaceNames().forEach(name -> gateway.surface(name).port());
            return gateway;
        }

        /** The same gateway calling another coordinator (standalone points it at the in-process one). */
        public Gateway withCoordinatorTarget(String target) {
            return new Gateway(target, host, adminPort, maxJsonBodyBytes, authRateLimitPerMinute, settings);
        }

        /** The settings of surface {@code name}: keys {@code gateway.<name>.*}. */
        public SurfaceSettings surface(String name) {
            return new SurfaceSettings(name, settings);
        }

        /** Every documented surface: the {@code <name>} of each {@code gateway.<name>.port} key but the admin port. */
        public List<String> surfaceNames() {
            return settings.asMap().keySet().stream()
                    .filter(key -> key.startsWith("gateway.") && key.endsWith(".port"))
                    .map(key -> key.substring("gateway.".length(), key.length() - ".port".length()))
                    .filter(name -> !name.isEmpty() && !name.contains(".") && !name.equals("admin"))
                    .toList();
        }

        /**
         * One surface's keys {@code gateway.<name>.<key>}, read by name and validated as they are read; a key that
         * is not in the reference file fails with {@link ConfigException} naming it.
         */
        public record SurfaceSettings(String name, Settings settings) {
            public String key(String key) {
                return "gateway." + name + "." + key;
            }

            public int port() {
                return settings.getPort(key("port"));
            }

            public int positiveInt(String key) {
                return positive(settings, key(key));
            }

            public long getLong(String key) {
                return settings.getLong(key(key));
            }

            public boolean getBoolean(String key) {
                return settings.getBoolean(key(key));
            }

            public String getString(String key) {
                return settings.getString(key(key));
            }

            public Duration duration(String key) {
                return settings.getDuration(key(key));
            }
        }
    }

    public record Metrics(boolean enabled, String host, int port) {}

    public record Identity(
            String jwtSecret,
            String jwtIssuer,
            Duration accessTokenTtl,
            Duration refreshTokenTtl,
            long signupCredits,
            int passwordMinLength,
            String adminEmail,
            String adminUsername,
            String adminPassword) {}

    /**
     * Task leasing, tier admission, job logs, and what a gpu-node offers to tasks.
     *
     * @param transactionLockTimeout how long a ledger transaction's first attempt may take (waiting for its locks
     *        included) before it rolls back, releasing its own locks, and is tried again (each retry doubles it)
     * @param transactionRetryTime how long a ledger change keeps retrying transient grid failures (lock timeouts,
     *        deadlocks, topology changes) before its caller sees the failure; longer than the client failure
     *        detection timeout
     */
    public record Jobs(
            Duration leaseTime,
            Duration heartbeatInterval,
            int maxAttempts,
            int freeConcurrentJobs,
            int proConcurrentJobs,
            int enterpriseConcurrentJobs,
            int maxLogLines,
            int taskSlots,
            String gpu,
            List<String> models,
            int nearFrameCacheMb,
            Duration transactionLockTimeout,
            Duration transactionRetryTime) {
        /** Concurrent processing jobs allowed for a tier name (free, pro, enterprise; unknown = free). */
        public int concurrentJobs(String tier) {
            if ("enterprise".equals(tier)) return enterpriseConcurrentJobs;
            if ("pro".equals(tier)) return proConcurrentJobs;
            return freeConcurrentJobs;
        }
    }

    /** The media blob store and upload limits. */
    public record Media(
            String store,
            Path localDir,
            String s3Endpoint,
            String s3Bucket,
            String s3Region,
            String s3AccessKey,
            String s3SecretKey,
            Duration uploadExpiry,
            int freeMaxMb,
            int proMaxMb,
            int enterpriseMaxMb) {
        /** Largest blob a tier may store, in bytes (unknown tier = free). */
        public long maxBytes(String tier) {
            int mb = "enterprise".equals(tier) ? enterpriseMaxMb : "pro".equals(tier) ? proMaxMb : freeMaxMb;
            return (long) mb << 20;
        }
    }
}
