package io.framegrid.coordinator.studio;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.coordinator.identity.QuotaLedger;
import io.framegrid.coordinator.identity.UserAccounts;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.CancelStudioJobResponse;
import io.framegrid.proto.studio.v1.ConsumeRequestRequest;
import io.framegrid.proto.studio.v1.CreditBalance;
import io.framegrid.proto.studio.v1.CreditPurchase;
import io.framegrid.proto.studio.v1.GetCreditsRequest;
import io.framegrid.proto.studio.v1.GetStatsRequest;
import io.framegrid.proto.studio.v1.ListStudioJobsRequest;
import io.framegrid.proto.studio.v1.ListStudioJobsResponse;
import io.framegrid.proto.studio.v1.ListStudioUsersRequest;
import io.framegrid.proto.studio.v1.ListStudioUsersResponse;
import io.framegrid.proto.studio.v1.PurchaseCreditsRequest;
import io.framegrid.proto.studio.v1.RequestDecision;
import io.framegrid.proto.studio.v1.SetTierRequest;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.StudioJobRef;
import io.framegrid.proto.studio.v1.StudioServiceGrpc;
import io.framegrid.proto.studio.v1.StudioStats;
import io.framegrid.proto.studio.v1.StudioUser;
import io.framegrid.proto.studio.v1.SubmitStudioJobRequest;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code framegrid.studio.v1.StudioService} over the {@link StudioLedger}: every call scoped to its caller. */
final class StudioGrpcService extends StudioServiceGrpc.StudioServiceImplBase {
    /** Longest billable duration one job may declare (a day of video). */
    static final double MAX_SECONDS = 24 * 3600;
    private static final long MINUTE_MS = 60_000;

    private final StudioLedger ledger;
    private final JobTypes types;
    private final MediaLibrary media;
    private final QuotaLedger quotas;
    private final StudioSettings settings;

    private final UploadProbes probes;

    StudioGrpcService(StudioLedger ledger, JobTypes types, MediaLibrary media, QuotaLedger quotas,
                      StudioSettings settings, UploadProbes probes) {
        this.probes = probes;
        this.ledger = ledger;
        this.types = types;
        this.media = media;
        this.quotas = quotas;
        this.settings = settings;
    }

    /** Reserves the credits and stores the job in one transaction; PERMISSION_DENIED when the balance falls short. */
    @Override
    public void submitJob(SubmitStudioJobRequest request, StreamObserver<StudioJob> response) {
        run(response, () -> {
            Principal caller = caller();
            if (!StudioContract.JOB_TYPES.contains(request.getJobType())) {
                throw Errors.invalid("INVALID_JOB_TYPE", "job_type must be one of " + StudioContract.JOB_TYPES);
            }
            double seconds = request.getDurationSeconds();
            if (!(seconds > 0) || seconds > MAX_SECONDS) {
                throw Errors.invalid("INVALID_DURATION", "duration_seconds must be in (0, " + (long) MAX_SECONDS + "]");
            }
            Media input = media.get(request.getInputMediaId()).orElse(null);
            if (input == null || !input.getOwnerId().equals(caller.userId())) {
                throw Errors.notFound("FILE_NOT_FOUND", "Input file not found");
            }
            Map<String, String> metadata = new HashMap<>(request.getParametersMap());
            request.getMetadataMap().forEach((k, v) -> metadata.put(StudioContract.DETAIL_PREFIX + k, v));
            metadata.put(StudioContract.INPUT_MEDIA_ID, input.getMediaId());
            metadata.put(StudioContract.DURATION_SECONDS, Double.toString(seconds));
            metadata.put(StudioContract.JOB_TYPE, StudioContract.publicType(request.getJobType()));
            List<StagePlan> stages;
            try {
                stages = types.plan(request.getJobType(), metadata).orElseThrow(() ->
                        Errors.invalid("INVALID_JOB_TYPE", "Job type '" + request.getJobType() + "' is not served"));
            } catch (IllegalArgumentException e) {
                throw Errors.invalid("INVALID_JOB_PARAMETERS", e.getMessage());
            }
            long credits = StudioContract.creditsFor(seconds);
            String tier = ledger.accounts().get(caller.userId()).map(UserAccounts.Account::tier).orElse("free");
            String name = request.getDisplayName().isBlank() ? input.getFilename() : request.getDisplayName().trim();
            JobState stored = ledger.submit(caller.userId(), tier, request.getJobType(), name, metadata, stages,
                    types.maxDuration(request.getJobType()), credits, input.getMediaId(), seconds);
            StudioJob view = ledger.view(stored);
            if (request.getJobType().equals(StudioContract.PRO_SYNC)) {
                view = view.toBuilder().setEstimatedProcessingSeconds(seconds / ledger.proSyncRate()).build();
            }
            return view;
        });
    }

    /** One of the caller's studio jobs (admins: anyone's); NOT_FOUND otherwise. */
    @Override
    public void getJob(StudioJobRef request, StreamObserver<StudioJob> response) {
        run(response, () -> ledger.view(owned(request.getJobId())));
    }

    /** The caller's studio jobs, newest first, filtered by status; limit 1..100 (0 = 20), offset >= 0. */
    @Override
    public void listJobs(ListStudioJobsRequest request, StreamObserver<ListStudioJobsResponse> response) {
        run(response, () -> {
            Principal caller = caller();
            int limit = request.getLimit() == 0 ? 20 : request.getLimit();
            if (limit < 1 || limit > 100 || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PAGE", "limit must be 1..100 and offset >= 0");
            }
            List<JobState> all = ledger.jobsOf(caller.userId(), new HashSet<>(request.getStatusesValueList()));
            int from = Math.min(request.getOffset(), all.size());
            int to = Math.min(from + limit, all.size());
            ListStudioJobsResponse.Builder b = ListStudioJobsResponse.newBuilder().setTotal(all.size())
                    .setHasMore(to < all.size());
            all.subList(from, to).forEach(s -> b.addJobs(ledger.view(s)));
            return b.build();
        });
    }

    /** Cancels one of the caller's queued jobs and refunds its credits; FAILED_PRECONDITION once it runs or ended. */
    @Override
    public void cancelJob(StudioJobRef request, StreamObserver<CancelStudioJobResponse> response) {
        run(response, () -> {
            owned(request.getJobId());
            StudioLedger.Cancelled c = ledger.cancel(request.getJobId());
            return CancelStudioJobResponse.newBuilder().setJob(ledger.view(c.job())).setCreditsRefunded(c.refunded())
                    .build();
        });
    }

    /** The caller's balance after any refill due, the tier, and the next refill date. */
    @Override
    public void getCredits(GetCreditsRequest request, StreamObserver<CreditBalance> response) {
        run(response, () -> ledger.credits(caller().userId()));
    }

    /** Buys a package once per idempotency key; replays answer the first purchase. */
    @Override
    public void purchaseCredits(PurchaseCreditsRequest request, StreamObserver<CreditPurchase> response) {
        run(response, () -> ledger.purchase(caller().userId(), request.getPackage().trim(),
                request.getPaymentMethod().trim(), request.getIdempotencyKey().trim()));
    }

    /** Counts one request against the caller's tier's per-minute budget, shared by every gateway. */
    @Override
    public void consumeRequest(ConsumeRequestRequest request, StreamObserver<RequestDecision> response) {
        run(response, () -> {
            Principal caller = caller();
            String tier = ledger.accounts().get(caller.userId()).map(UserAccounts.Account::tier).orElse("free");
            long limit = settings.requestsPerMinute(tier);
            QuotaLedger.Decision d = quotas.consume("studio.requests", caller.userId(), MINUTE_MS, limit);
            return RequestDecision.newBuilder().setAllowed(d.allowed()).setLimit(d.limit()).setRemaining(d.remaining())
                    .setResetEpochSeconds(d.resetEpochSeconds()).setTier(tier).build();
        });
    }

    /** System-wide figures; admins only. */
    @Override
    public void getStats(GetStatsRequest request, StreamObserver<StudioStats> response) {
        run(response, () -> {
            admin();
            return ledger.stats();
        });
    }

    /** Every user, oldest first, paged; admins only. */
    @Override
    public void listUsers(ListStudioUsersRequest request, StreamObserver<ListStudioUsersResponse> response) {
        run(response, () -> {
            admin();
            int limit = request.getLimit() == 0 ? 20 : request.getLimit();
            if (limit < 1 || limit > 100 || request.getOffset() < 0) {
                throw Errors.invalid("INVALID_PAGE", "limit must be 1..100 and offset >= 0");
            }
            List<UserAccounts.Account> all = ledger.accounts().all();
            int from = Math.min(request.getOffset(), all.size());
            int to = Math.min(from + limit, all.size());
            ListStudioUsersResponse.Builder b = ListStudioUsersResponse.newBuilder().setTotal(all.size())
                    .setHasMore(to < all.size());
            all.subList(from, to).forEach(a -> b.addUsers(user(a)));
            return b.build();
        });
    }

    /** Sets a user's tier; admins only. */
    @Override
    public void setTier(SetTierRequest request, StreamObserver<StudioUser> response) {
        run(response, () -> {
            admin();
            return user(ledger.accounts().setTier(request.getUserId(), request.getTier().trim()));
        });
    }

    /** Probes one of the caller's uploads on a gpu-node, outside the caller's job slots; answers when it ended. */
    @Override
    public void probeUpload(io.framegrid.proto.studio.v1.ProbeUploadRequest request,
                            StreamObserver<io.framegrid.proto.studio.v1.ProbedVideo> response) {
        try {
            Principal caller = caller();
            Media m = media.get(request.getMediaId()).orElse(null);
            if (m == null || !m.getOwnerId().equals(caller.userId())) {
                throw Errors.notFound("FILE_NOT_FOUND", "File not found");
            }
            probes.probe(m, request.getAudio(), response);
        } catch (RuntimeException e) {
            response.onError(StudioErrors.toStatus(e));
        }
    }

    private static StudioUser user(UserAccounts.Account a) {
        return StudioUser.newBuilder().setUserId(a.userId()).setEmail(a.email()).setFullName(a.fullName())
                .setTier(a.tier()).setRole(a.role()).setCredits(a.credits())
                .setCreatedAt(Protos.timestamp(a.createdAtMs())).build();
    }

    private JobState owned(String jobId) {
        Principal caller = caller();
        if (jobId.isBlank()) {
            throw Errors.invalid("INVALID_JOB_ID", "job_id is required");
        }
        JobState state = ledger.job(jobId).orElse(null);
        if (state == null || (!state.getJob().getOwnerId().equals(caller.userId()) && !caller.isAdmin())) {
            throw Errors.notFound("JOB_NOT_FOUND", "Job not found");
        }
        return state;
    }

    private static void admin() {
        if (!caller().isAdmin()) {
            throw Errors.forbidden("Administrator role required");
        }
    }

    private static Principal caller() {
        Principal p = Principal.current();
        if (p == null) {
            throw Errors.unauthenticated("AUTH_REQUIRED", "Authentication required");
        }
        return p;
    }

    private static <T> void run(StreamObserver<T> response, Supplier<T> body) {
        T result;
        try {
            result = body.get();
        } catch (RuntimeException e) {
            response.onError(StudioErrors.toStatus(e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
