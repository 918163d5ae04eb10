package io.framegrid.coordinator.studio;

import io.framegrid.coordinator.identity.QuotaLedger;
import io.framegrid.coordinator.identity.UserAccounts;
import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobEventHub;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.studio.StudioContract;
import io.grpc.BindableService;
import java.util.List;

/**
 * Product B's coordinator plug-in: the studio job types ({@code studio.ghostcut_simple},
 * {@code studio.ghostcut_annotated}, planned by {@link GhostCutPlanner} into ranged stages; {@code studio.pro_sync},
 * planned by {@link ProSyncPlanner} into a render task per timeline piece and a mux; and
 * {@code studio.probe}, which reads an upload's duration, the billable seconds of a GhostCut job) and
 * {@code framegrid.studio.v1.StudioService}: credits reserved in the job's submit transaction, settled by
 * {@link ChargeSettler} as jobs end, purchases, tier limits and the operators' views; GhostCut's intermediate
 * segments deleted by {@link SegmentSweeper} as jobs end.
 */
public final class StudioCoordinator implements CoordinatorProduct {
    private JobTypes types;
    private ChargeSettler settler;
    private SegmentSweeper sweeper;
    private JobEventHub events;

    @Override
    public String name() {
        return StudioContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        this.types = types;
        types.register(StudioContract.PROBE, meta -> List.of(JobTypes.stage("probe", StudioContract.PROBE, 1, meta)));
        GhostCutPlanner ghostCut = new GhostCutPlanner(context.media());
        types.register(StudioContract.GHOSTCUT_SIMPLE, ghostCut::plan);
        types.register(StudioContract.GHOSTCUT_ANNOTATED, ghostCut::plan);
        types.register(StudioContract.PRO_SYNC, new ProSyncPlanner(context.media())::plan);
    }

    @Override
    public List<BindableService> services(Context context) {
        StudioSettings settings = StudioSettings.from(context.config());
        PaymentProvider payments = provider(settings.paymentProvider());
        // A ledger over the same grid records as the coordinator's: the locks, not the instance, make it safe.
        JobLedger jobs = new JobLedger(context.ignite(), context.config().jobs(), context.clock());
        StudioLedger ledger = new StudioLedger(context.ignite(), jobs, new UserAccounts(context.ignite()),
                context.media(), settings, payments, context.clock(),
                new StudioCreditMetrics().register(context.metrics()));
        settler = new ChargeSettler(context.ignite(), ledger);
        sweeper = new SegmentSweeper(context.ignite(), context.media(), jobs);
        events = new JobEventHub(context.ignite());
        return List.of(new StudioGrpcService(ledger, types, context.media(),
                new QuotaLedger(context.ignite(), context.clock()), settings,
                new UploadProbes(jobs, types, events, context.media())));
    }

    private static PaymentProvider provider(String name) {
        if (LocalPaymentProvider.NAME.equals(name)) {
            return new LocalPaymentProvider();
        }
        throw new io.framegrid.config.settings.ConfigException(
                "gateway.studio.payment-provider: unknown provider '" + name + "' (known: local)");
    }

    @Override
    public void close() {
        if (settler != null) {
            settler.close();
        }
        if (sweeper != null) {
            sweeper.close();
        }
        if (events != null) {
            events.close();
        }
    }
}
