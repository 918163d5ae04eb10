package io.framegrid.coordinator.reconstruction;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.reconstruction.ReconstructionContract;
import io.grpc.BindableService;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Product D's coordinator plug-in: the {@link ReconstructionJobs} planners and the
 * {@code framegrid.reconstruction.v1.ReconstructionService} over the grid-held projects ({@link ProjectStore}).
 */
public final class ReconstructionCoordinator implements CoordinatorProduct {
    /** A node silent this long is not counted as a live GPU for routing, as the node directory counts it. */
    static final Duration STALE_AFTER = Duration.ofSeconds(10);

    private ProjectWatches watches;

    @Override
    public String name() {
        return ReconstructionContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        ReconstructionJobs.register(types, () -> gpuLive(context));
    }

    @Override
    public List<BindableService> services(Context context) {
        ProjectStore store = new ProjectStore(context.ignite(), context.clock());
        JobLedger ledger = new JobLedger(context.ignite(), context.config().jobs(), context.clock());
        watches = new ProjectWatches(context.ignite(), ledger, store.cache());
        return List.of(new ReconstructionGrpcService(store, ledger, context.media(), watches));
    }

    @Override
    public void close() {
        if (watches != null) {
            watches.close();
        }
    }

    /** Whether a gpu-node with a GPU is in the topology and heard from recently (a read per reconstruction submit). */
    static boolean gpuLive(Context context) {
        Ignite ignite = context.ignite();
        IgniteCache<String, byte[]> nodes = ignite.cache(CacheNames.NODES);
        if (nodes == null) {
            return false;
        }
        for (Cache.Entry<String, byte[]> e : nodes) {
            NodeStatus status = Protos.parse(NodeStatus.parser(), e.getValue());
            if (status.getGpu() && ignite.cluster().node(UUID.fromString(e.getKey())) != null
                    && context.clock().millis() - status.getLastHeartbeatMs() <= STALE_AFTER.toMillis()) {
                return true;
            }
        }
        return false;
    }
}
