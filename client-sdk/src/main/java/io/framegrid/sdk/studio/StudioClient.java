package io.framegrid.sdk.studio;

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
import io.framegrid.sdk.CallSupport;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import java.util.concurrent.CompletableFuture;

/**
 * Product B over gRPC with the caller's credentials: studio jobs with their credit charges, the balance and
 * purchases, the per-tier request budget, and the admin views. Futures fail with {@link FramegridException}
 * ({@code INSUFFICIENT_CREDITS} is PERMISSION_DENIED). Build it as
 * {@code client.withBearerToken(token).product(StudioClient.class)}.
 */
public final class StudioClient {
    /** The reason a submit the balance cannot cover fails with. */
    public static final String INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS";

    private final FramegridClient client;

    public StudioClient(FramegridClient client) {
        this.client = client;
    }

    private StudioServiceGrpc.StudioServiceFutureStub stub() {
        return client.prepared(StudioServiceGrpc.newFutureStub(client.channel()));
    }

    private static <T> CompletableFuture<T> call(com.google.common.util.concurrent.ListenableFuture<T> f) {
        return CallSupport.toCompletable(f);
    }

    /** Reserves the job's credits and stores it, in one transaction. */
    public CompletableFuture<StudioJob> submitAsync(SubmitStudioJobRequest request) {
        return call(stub().submitJob(request));
    }

    public CompletableFuture<StudioJob> jobAsync(String jobId) {
        return call(stub().getJob(StudioJobRef.newBuilder().setJobId(jobId).build()));
    }

    public CompletableFuture<ListStudioJobsResponse> listAsync(ListStudioJobsRequest request) {
        return call(stub().listJobs(request));
    }

    /** Cancels a queued job; the answer carries the credits refunded. */
    public CompletableFuture<CancelStudioJobResponse> cancelAsync(String jobId) {
        return call(stub().cancelJob(StudioJobRef.newBuilder().setJobId(jobId).build()));
    }

    public CompletableFuture<CreditBalance> creditsAsync() {
        return call(stub().getCredits(GetCreditsRequest.getDefaultInstance()));
    }

    /** Buys a package; the same {@code idempotencyKey} (may be empty) charges once. */
    public CompletableFuture<CreditPurchase> purchaseAsync(String pkg, String paymentMethod, String idempotencyKey) {
        return call(stub().purchaseCredits(PurchaseCreditsRequest.newBuilder().setPackage(pkg)
                .setPaymentMethod(paymentMethod).setIdempotencyKey(idempotencyKey).build()));
    }

    /** Counts one request against the caller's tier budget per minute. */
    public CompletableFuture<RequestDecision> consumeRequestAsync() {
        return call(stub().consumeRequest(ConsumeRequestRequest.getDefaultInstance()));
    }

    public CompletableFuture<StudioStats> statsAsync() {
        return call(stub().getStats(GetStatsRequest.getDefaultInstance()));
    }

    public CompletableFuture<ListStudioUsersResponse> usersAsync(int limit, int offset) {
        return call(stub().listUsers(ListStudioUsersRequest.newBuilder().setLimit(limit).setOffset(offset).build()));
    }

    /** Streams {@code video} (read to its end, never held whole) into the caller's media, marked as B's upload. */
    public CompletableFuture<io.framegrid.proto.media.v1.Media> uploadAsync(java.io.InputStream video, String filename,
                                                                           String contentType) {
        return client.mediaAsync().upload(io.framegrid.proto.media.v1.UploadHeader.newBuilder().setFilename(filename)
                .setContentType(contentType).putMetadata("product", io.framegrid.proto.studio.StudioContract.PRODUCT)
                .build(), video);
    }

    /**
     * Has a gpu-node read the upload's duration (outside the caller's job slots); fails INVALID_ARGUMENT
     * {@code INVALID_VIDEO} for a file that is no readable video, DEADLINE_EXCEEDED past {@code timeout}.
     */
    public CompletableFuture<io.framegrid.proto.studio.v1.ProbedVideo> probeAsync(String mediaId,
                                                                                 java.time.Duration timeout) {
        return call(stub().withDeadlineAfter(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .probeUpload(io.framegrid.proto.studio.v1.ProbeUploadRequest.newBuilder().setMediaId(mediaId).build()));
    }

    /**
     * Has a gpu-node decode an uploaded audio file (pro-sync's {@code audio_files}) and measure its duration from its
     * samples; fails INVALID_ARGUMENT {@code INVALID_AUDIO} for a file that is no readable audio.
     */
    public CompletableFuture<io.framegrid.proto.studio.v1.ProbedVideo> probeAudioAsync(String mediaId,
                                                                                      java.time.Duration timeout) {
        return call(stub().withDeadlineAfter(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .probeUpload(io.framegrid.proto.studio.v1.ProbeUploadRequest.newBuilder().setMediaId(mediaId)
                        .setAudio(true).build()));
    }

    /** Deletes an upload no job will use; never fails. */
    public CompletableFuture<Void> discardAsync(String mediaId) {
        return client.mediaAsync().delete(mediaId).handle((deleted, e) -> null);
    }

    public CompletableFuture<StudioUser> setTierAsync(String userId, String tier) {
        return call(stub().setTier(SetTierRequest.newBuilder().setUserId(userId).setTier(tier).build()));
    }
}
