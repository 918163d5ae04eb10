package io.framegrid.fabric.grid;

import io.framegrid.config.FramegridConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteException;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.cluster.BaselineNode;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.DataPageEvictionMode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.TransactionConfiguration;
import org.apache.ignite.configuration.WALMode;
import org.apache.ignite.failure.StopNodeFailureHandler;
import org.apache.ignite.internal.processors.configuration.distributed.NotWritablePropertyException;
import org.apache.ignite.logger.slf4j.Slf4jLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts this JVM's Ignite node from the typed configuration.
 *
 * <p>Coordinators are server nodes that own the durable data; gpu-nodes join as client nodes so
 * that killing one never loses data or changes the baseline topology.
 *
 * <p>Failure detection bounds how long a lost node can hold up the others. A node's open pessimistic transactions
 * keep their key locks on the primaries until the node commits, rolls back, or leaves the topology; a node that dies
 * with its sockets (a SIGKILL) is dropped at once, but one whose link is cut sends nothing, not even its rollbacks,
 * so its locks last until the grid drops it for silence: {@code grid.client-failure-detection-timeout} for a
 * gpu-node (Ignite's 30 s default, shortened), {@code grid.failure-detection-timeout} for a coordinator. Only then
 * do the primaries roll back its unprepared transactions (prepared ones are finished by Ignite's recovery), and
 * the changes of other nodes that queued on those locks proceed; the ledger keeps retrying them that long
 * ({@code jobs.transaction.retry-time}, checked to be longer). Communication between nodes keeps deriving its
 * connect timeouts from these two (no explicit connect timeout or reconnect count, which would make it ignore
 * them). A partition map exchange (a server joining or leaving) waits
 * for open transactions at most {@code grid.transaction.timeout-on-exchange}, then rolls them back and the ledger
 * retries them on the new topology, so one stuck transaction cannot freeze the grid's remapping.
 */
public final class GridBootstrap {
    private static final Logger log = LoggerFactory.getLogger(GridBootstrap.class);
    public static final String ROLE_ATTRIBUTE = "framegrid.role";

    private final FramegridConfig.Grid grid;
    private final CacheCatalog catalog;

    public GridBootstrap(FramegridConfig.Grid grid, CacheCatalog catalog) {
        this.grid = grid;
        this.catalog = catalog;
    }

    /** Starts a server node, activating the cluster when this is the first node of a fresh or restarted cluster. */
    public Ignite startServer(String role, Map<String, ?> attributes) {
        Ignite ignite = start(false, role, attributes);
        // Only the oldest server activates: concurrent activations from nodes starting together can stall.
        boolean oldest = ignite.cluster().forServers().forOldest().node().isLocal();
        if (oldest && ignite.cluster().state() != ClusterState.ACTIVE) {
            ignite.cluster().state(ClusterState.ACTIVE);
        }
        awaitActive(ignite);
        if (oldest) {
            enableBaselineAutoAdjust(ignite);
        }
        joinBaseline(ignite);
        return ignite;
    }

    /**
     * Nodes joining or leaving change the baseline at once; with backups, data stays available. The setting is a
     * distributed property, writable only once the distributed metastorage is ready: set before activation it failed
     * the start now and then ("not ready for cluster wide update", seen in CI), and even after activation readiness
     * can trail by moments, so a refusal of that kind is retried for as long as a join may take.
     */
    private void enableBaselineAutoAdjust(Ignite ignite) {
        long deadline = System.nanoTime() + Math.max(grid.joinTimeout().toNanos(), Duration.ofSeconds(60).toNanos());
        while (true) {
            try {
                ignite.cluster().baselineAutoAdjustEnabled(true);
                ignite.cluster().baselineAutoAdjustTimeout(0);
                return;
            } catch (IgniteException e) {
                if (!notReady(e) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while enabling baseline auto-adjust", e);
            }
        }
    }

    private static boolean notReady(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotWritablePropertyException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Puts this server into the baseline when it is not in it. Auto-adjust reacts to joins and leaves of an active
     * cluster only: a server that joined while the oldest was still activating stays outside the baseline that the
     * activation fixed, holds no partitions, and stopping the oldest then loses every partition it owned (seen in
     * {@code TwoCoordinatorJvmTest}: the survivor answered "all partition owners have left the grid"). Setting the
     * baseline to the current topology is what auto-adjust would have done for a later join.
     */
    static void joinBaseline(Ignite ignite) {
        Collection<BaselineNode> baseline = ignite.cluster().currentBaselineTopology();
        Object self = ignite.cluster().localNode().consistentId();
        if (baseline == null || baseline.stream().anyMatch(n -> n.consistentId().equals(self))) {
            return;
        }
        // Ignite refuses a manual baseline change while auto-adjust is on, so it is switched off around the change
        // and back on. A failure here must not fail the start: the node then runs as before, outside the baseline.
        try {
            boolean autoAdjust = ignite.cluster().isBaselineAutoAdjustEnabled();
            if (autoAdjust) {
                ignite.cluster().baselineAutoAdjustEnabled(false);
            }
            try {
                long version = ignite.cluster().topologyVersion();
                log.info("Server node {} joined outside the baseline topology; setting the baseline to topology {}",
                        self, version);
                ignite.cluster().setBaselineTopology(version);
            } finally {
                if (autoAdjust) {
                    ignite.cluster().baselineAutoAdjustEnabled(true);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Server node {} is outside the baseline topology and could not join it: {}", self, e.toString());
        }
    }

    /** How long a stop waits for this node's partitions to be copied elsewhere before stopping anyway. */
    static final Duration GRACEFUL_STOP_LIMIT = Duration.ofSeconds(30);

    /**
     * Stops a node without losing data still being rebalanced. While other server nodes remain, the stop is
     * GRACEFUL: Ignite waits until every partition this node holds has a copy elsewhere. The last server stops
     * at once, since waiting for a copy that can never exist would hang forever.
     */
    public static void stop(Ignite ignite) {
        boolean othersHoldData = !ignite.cluster().localNode().isClient()
                && !ignite.cluster().forServers().forOthers(ignite.cluster().localNode()).nodes().isEmpty();
        try {
            if (ignite.cluster().state().active()) {
                ignite.cluster().shutdownPolicy(othersHoldData ? ShutdownPolicy.GRACEFUL : ShutdownPolicy.IMMEDIATE);
            }
        } catch (RuntimeException e) {
            log.warn("Could not set the shutdown policy; stopping immediately: {}", e.getMessage());
        }
        // A graceful stop waits for rebalancing, which can take long right after a node joined a loaded cluster;
        // a SIGTERM must still end. Past the limit the wait is cut short (Ignite ends a pending graceful stop when
        // stopped again under IMMEDIATE): this node's data is persisted and returns with it, so nothing is lost.
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(GRACEFUL_STOP_LIMIT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            log.warn("Node {} still waits for its partitions to be copied after {} s; stopping it now",
                    ignite.name(), GRACEFUL_STOP_LIMIT.toSeconds());
            try {
                ignite.cluster().shutdownPolicy(ShutdownPolicy.IMMEDIATE);
                org.apache.ignite.Ignition.stop(ignite.name(), true);
            } catch (RuntimeException e) {
                log.debug("Immediate stop of {} failed: {}", ignite.name(), e.toString());
            }
        }, "framegrid-graceful-stop-limit");
        watchdog.setDaemon(true);
        if (othersHoldData) {
            watchdog.start();
        }
        try {
            ignite.close();
        } finally {
            watchdog.interrupt();
        }
    }

    /** Waits (bounded by the join timeout) until whichever node activates the cluster has done so. */
    private void awaitActive(Ignite ignite) {
        long deadline = System.nanoTime() + Math.max(grid.joinTimeout().toNanos(), Duration.ofSeconds(60).toNanos());
        while (!ignite.cluster().state().active()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Grid was not activated by its oldest server node in time");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for grid activation", e);
            }
        }
    }

    /** Starts a client node that holds no data and whose death costs the grid nothing. */
    public Ignite startClient(String role, Map<String, ?> attributes) {
        Ignite ignite = start(true, role, attributes);
        // The join timeout bounds the first join only (a wrong discovery list fails the start). A client that has
        // joined and then loses the grid must keep rejoining for as long as the outage lasts: Ignite bounds a
        // disconnected client's rejoin by the same timeout and then segments it, which stops the node for good.
        // Ignite reads the SPI's field at each join attempt, so zero (no limit) takes effect for every rejoin.
        ((TcpDiscoverySpi) ignite.configuration().getDiscoverySpi()).setJoinTimeout(0);
        return ignite;
    }

    private Ignite start(boolean client, String role, Map<String, ?> attributes) {
        IgniteConfiguration cfg = configuration(client, role, attributes);
        log.info("Starting Ignite {} node '{}' (role {}, discovery {}, work dir {})",
                client ? "client" : "server", cfg.getIgniteInstanceName(), role, grid.discoveryAddresses(),
                grid.workDirectory());
        try {
            return Ignition.start(cfg);
        } catch (IgniteException e) {
            throw new IllegalStateException("Grid node failed to start: " + e.getMessage(), e);
        }
    }

    IgniteConfiguration configuration(boolean client, String role, Map<String, ?> attributes) {
        TcpDiscoveryVmIpFinder ipFinder = new TcpDiscoveryVmIpFinder();
        ipFinder.setAddresses(grid.discoveryAddresses().isEmpty()
                ? List.of(grid.localAddress() + ":" + grid.discoveryPort() + ".." + (grid.discoveryPort() + grid.discoveryPortRange()))
                : grid.discoveryAddresses());
        TcpDiscoverySpi discovery = new TcpDiscoverySpi()
                .setIpFinder(ipFinder)
                .setLocalAddress(grid.localAddress())
                .setLocalPort(grid.discoveryPort())
                .setLocalPortRange(grid.discoveryPortRange())
                .setJoinTimeout(grid.joinTimeout().toMillis());
        TcpCommunicationSpi communication = new TcpCommunicationSpi();
        communication.setLocalAddress(grid.localAddress());
        communication.setLocalPort(grid.communicationPort());
        communication.setLocalPortRange(20);

        Map<String, Object> userAttributes = new java.util.HashMap<>(attributes);
        userAttributes.put(ROLE_ATTRIBUTE, role);

        IgniteConfiguration cfg = new IgniteConfiguration()
                .setIgniteInstanceName(grid.instanceName())
                .setClientMode(client)
                .setWorkDirectory(grid.workDirectory().toString())
                .setGridLogger(new Slf4jLogger())
                .setMetricsLogFrequency(0)
                .setDiscoverySpi(discovery)
                .setCommunicationSpi(communication)
                // See the class comment: how long a silent node keeps its transactions' locks.
                .setFailureDetectionTimeout(grid.failureDetectionTimeout().toMillis())
                .setClientFailureDetectionTimeout(grid.clientFailureDetectionTimeout().toMillis())
                .setTransactionConfiguration(new TransactionConfiguration()
                        .setTxTimeoutOnPartitionMapExchange(grid.txTimeoutOnExchange().toMillis()))
                .setUserAttributes(userAttributes)
                // On a 2-core machine GC pauses and busy builds look like blocked workers; stop the node, never the JVM.
                .setFailureHandler(new StopNodeFailureHandler())
                .setSystemWorkerBlockedTimeout(60_000)
                .setPeerClassLoadingEnabled(false);
        if (!grid.consistentId().isEmpty()) {
            cfg.setConsistentId(grid.consistentId());
        }
        if (!client) {
            cfg.setDataStorageConfiguration(storage());
            List<org.apache.ignite.configuration.CacheConfiguration<?, ?>> caches = new ArrayList<>(catalog.all());
            cfg.setCacheConfiguration(caches.toArray(new org.apache.ignite.configuration.CacheConfiguration[0]));
        }
        return cfg;
    }

    private DataStorageConfiguration storage() {
        DataRegionConfiguration durable = new DataRegionConfiguration()
                .setName(CacheCatalog.DURABLE_REGION)
                .setInitialSize(Math.min(64L, grid.durableRegionMaxSizeMb()) << 20)
                .setMaxSize((long) grid.durableRegionMaxSizeMb() << 20)
                .setPersistenceEnabled(grid.persistenceEnabled())
                .setMetricsEnabled(true);
        DataRegionConfiguration cache = new DataRegionConfiguration()
                .setName(CacheCatalog.CACHE_REGION)
                .setInitialSize(Math.min(32L, grid.cacheRegionMaxSizeMb()) << 20)
                .setMaxSize((long) grid.cacheRegionMaxSizeMb() << 20)
                .setPersistenceEnabled(false)
                .setPageEvictionMode(DataPageEvictionMode.RANDOM_2_LRU)
                // Eviction starts early and keeps a deep pool of free pages: frames arrive in bursts of
                // megabytes from several tasks at once, and a region that runs out of pages is a critical
                // failure that stops the whole node, not a cache miss.
                .setEvictionThreshold(0.75)
                .setEmptyPagesPoolSize((int) Math.max(100, Math.min(2048,
                        ((long) grid.cacheRegionMaxSizeMb() << 20) / 4096 / 20)))
                .setMetricsEnabled(true);
        return new DataStorageConfiguration()
                .setDefaultDataRegionConfiguration(new DataRegionConfiguration()
                        .setName("default")
                        .setInitialSize(16L << 20)
                        .setMaxSize(64L << 20))
                .setDataRegionConfigurations(durable, cache)
                .setWalMode(WALMode.LOG_ONLY)
                .setStoragePath(grid.workDirectory().resolve("db").toString())
                // One WAL folder, no archive: Ignite then rotates segments in place instead of copying each full
                // 64 MiB segment to an archive folder (a copy per segment cost more CPU than the writes themselves).
                .setWalPath(grid.workDirectory().resolve("wal").toString())
                .setWalArchivePath(grid.workDirectory().resolve("wal").toString())
                .setMaxWalArchiveSize((long) grid.walMaxSizeMb() << 20);
    }
}
