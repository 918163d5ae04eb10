package io.framegrid.coordinator.annotation;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.annotation.AnnotationContract;
import io.grpc.BindableService;
import java.time.Duration;
import java.util.List;

/**
 * Product A's coordinator plug-in: the {@code annotation.probe} job type (a gpu-node reads the upload) and the
 * {@code framegrid.annotation.v1.AnnotationService} over the grid-held pool and leases, with its lease reaper.
 */
public final class AnnotationCoordinator implements CoordinatorProduct {
    /** Lease length when a caller names none (the gateway sends {@code gateway.annotation.lock-ttl}). */
    static final Duration DEFAULT_TTL = Duration.ofMinutes(30);
    /** How often expired leases are looked for: freed within about this long after expiry. */
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(500);

    private AnnotationReaper reaper;

    @Override
    public String name() {
        return AnnotationContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        types.register(AnnotationContract.PROBE, meta -> List.of(JobTypes.stage("probe", AnnotationContract.PROBE, 1, meta)));
        AnnotationJobs.register(types, context.ignite());
    }

    @Override
    public List<BindableService> services(Context context) {
        AnnotationLockMetrics metrics = new AnnotationLockMetrics();
        AnnotationLedger ledger = new AnnotationLedger(context.ignite(), context.clock(), DEFAULT_TTL.toMillis(), metrics);
        metrics.register(context.metrics(), ledger::locksHeld);
        reaper = new AnnotationReaper(ledger).start(SWEEP_INTERVAL);
        return List.of(new AnnotationGrpcService(ledger, context.media(), context.clock()));
    }

    @Override
    public void close() {
        if (reaper != null) {
            reaper.close();
        }
    }
}
