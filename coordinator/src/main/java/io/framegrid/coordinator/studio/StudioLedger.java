package io.framegrid.coordinator.studio;

import io.framegrid.coordinator.identity.UserAccounts;
import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.media.MediaLibrary;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.media.v1.MediaRecord;
import io.framegrid.proto.cluster.v1.StagePlan;
import io.framegrid.proto.jobs.v1.Job;
import io.framegrid.proto.jobs.v1.JobStatus;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.studio.StudioContract;
import io.framegrid.proto.studio.v1.Charge;
import io.framegrid.proto.studio.v1.ChargeState;
import io.framegrid.proto.studio.v1.CreditBalance;
import io.framegrid.proto.studio.v1.CreditPurchase;
import io.framegrid.proto.studio.v1.StudioJob;
import io.framegrid.proto.studio.v1.StudioStats;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Product B's credits and jobs in the grid. A job's credits are taken from the balance in the same transaction that
 * stores the job (a {@link JobLedger.SubmitHook}), so concurrent submits of one user, through any coordinator,
 * never overdraw: the user record is locked while the balance is checked and written. The charge is then settled
 * when the job completes (the credits are spent) or released when it is cancelled or fails (they go back); both are
 * idempotent, so the grid's job events, the cancel route and the start-up sweep may all try.
 *
 * <p>Lock order, every transaction here: (the owner's admission record, in a submit), the user record, the user's
 * refill month, then the charge; a purchase locks its idempotency record first, then the user record and month.
 * No transaction locks these in another order, and none locks a jobs-ledger key after them.
 *
 * <p>Monthly refill: on the first credit operation of a calendar month (UTC) the balance is topped up to the
 * tier's {@code gateway.studio.monthly-credits.<tier>} when it is below; a user's first month is their sign-up
 * credits. {@code next_refill_date} is the first day of the next month, 00:00 UTC.
 */
final class StudioLedger {
    private static final int MAX_ATTEMPTS = 5;
    private static final long TX_TIMEOUT_MS = 30_000;

    private final Ignite ignite;
    private final JobLedger jobs;
    private final UserAccounts accounts;
    private final MediaLibrary media;
    private final StudioSettings settings;
    private final PaymentProvider payments;
    private final Clock clock;
    private final IgniteCache<String, byte[]> charges;
    private final IgniteCache<String, byte[]> purchases;
    private final IgniteCache<String, Long> months;
    private final IgniteCache<String, byte[]> jobCache;
    private final StudioCreditMetrics metrics;

    StudioLedger(Ignite ignite, JobLedger jobs, UserAccounts accounts, MediaLibrary media, StudioSettings settings,
                 PaymentProvider payments, Clock clock) {
        this(ignite, jobs, accounts, media, settings, payments, clock, new StudioCreditMetrics());
    }

    StudioLedger(Ignite ignite, JobLedger jobs, UserAccounts accounts, MediaLibrary media, StudioSettings settings,
                 PaymentProvider payments, Clock clock, StudioCreditMetrics metrics) {
        this.metrics = metrics;
        this.ignite = ignite;
        this.jobs = jobs;
        this.accounts = accounts;
        this.media = media;
        this.settings = settings;
        this.payments = payments;
        this.clock = clock;
        this.charges = ignite.cache(CacheNames.STUDIO_CHARGES);
        this.purchases = ignite.cache(CacheNames.STUDIO_PURCHASES);
        this.months = ignite.cache(CacheNames.STUDIO_ACCOUNTS);
        this.jobCache = ignite.cache(CacheNames.JOBS);
    }

    UserAccounts accounts() {
        return accounts;
    }

    JobLedger jobs() {
        return jobs;
    }

    // ---- jobs -----------------------------------------------------------------------------------

    /**
     * Stores the job with its charge of {@code credits}, taken from the balance in the same transaction; refused
     * with {@code INSUFFICIENT_CREDITS} (nothing stored) when the balance, after a due refill, is smaller.
     */
    JobState submit(String userId, String tier, String type, String displayName, Map<String, String> metadata,
                    List<StagePlan> stages, Duration maxDuration, long credits, String inputMediaId, double seconds) {
        JobState stored;
        try {
            stored = jobs.submit(userId, tier, type, displayName, metadata, stages, maxDuration, (jobId, owner) -> {
                UserAccounts.Account account = accounts.lock(owner);
                Refill refill = refill(account);
                if (refill.balance() < credits) {
                    throw FabricException.of(FabricException.Kind.FAILED_PRECONDITION,
                            StudioErrors.INSUFFICIENT_CREDITS, "Insufficient credits: the job costs " + credits
                                    + ", the balance is " + refill.balance());
                }
                refill.store(months, owner);
                accounts.setCredits(owner, refill.balance() - credits);
                charges.put(jobId, Charge.newBuilder().setJobId(jobId).setUserId(owner).setCredits(credits)
                        .setState(ChargeState.CHARGE_STATE_RESERVED).setReservedMs(clock.millis()).setJobType(type)
                        .setInputMediaId(inputMediaId).setDurationSeconds(seconds).build().toByteArray());
            });
        } catch (FabricException e) {
            if (StudioErrors.INSUFFICIENT_CREDITS.equals(e.reason())) {
                metrics.add(StudioCreditMetrics.REFUSED, credits);
            }
            throw e;
        }
        metrics.add(StudioCreditMetrics.RESERVED, credits);
        return stored;
    }

    Optional<JobState> job(String jobId) {
        return jobs.state(jobId).filter(s -> StudioContract.JOB_TYPES.contains(s.getJob().getType()));
    }

    Optional<Charge> charge(String jobId) {
        byte[] bytes = charges.get(jobId);
        return bytes == null ? Optional.empty() : Optional.of(Protos.parse(Charge.parser(), bytes));
    }

    /** The user's studio jobs (every user's when null), newest first, with the statuses given (all when empty). */
    List<JobState> jobsOf(String userId, Set<Integer> statuses) {
        List<JobState> all = new ArrayList<>();
        try (var cursor = jobCache.query(new ScanQuery<>(new StudioJobFilter(userId, statuses)))) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                all.add(Protos.parse(JobState.parser(), e.getValue()));
            }
        }
        all.sort(Comparator.comparingLong(JobState::getCreatedMs).reversed().thenComparing(s -> s.getJob().getJobId()));
        return all;
    }

    /** The job as the studio shows it; a charge still open on an ended job is settled first. */
    StudioJob view(JobState state) {
        Job job = state.getJob();
        Optional<Charge> charge = charge(job.getJobId());
        if (charge.isPresent() && charge.get().getState() == ChargeState.CHARGE_STATE_RESERVED
                && JobLedger.isTerminal(job.getStatus())) {
            settle(job.getJobId());
            charge = charge(job.getJobId());
        }
        StudioJob.Builder b = StudioJob.newBuilder().setJob(job).setJobType(StudioContract.publicType(job.getType()))
                .setInputMediaId(job.getMetadataOrDefault(StudioContract.INPUT_MEDIA_ID, ""));
        charge.ifPresent(c -> {
            b.setCharge(c);
            if (c.getState() == ChargeState.CHARGE_STATE_SETTLED) {
                b.setCreditsUsed(c.getCredits());
            }
        });
        if (job.getStatus() == JobStatus.JOB_STATUS_COMPLETED) {
            for (int i = job.getResultRefsCount() - 1; i >= 0; i--) {
                Optional<Media> result = media.get(job.getResultRefs(i));
                if (result.isPresent()) {
                    // Details only the run learns (pro-sync's lip-sync model) travel on the result's metadata.
                    Map<String, String> details = new java.util.HashMap<>();
                    result.get().getMetadataMap().forEach((k, v) -> {
                        if (k.startsWith(StudioContract.DETAIL_PREFIX)) {
                            details.put(k, v);
                        }
                    });
                    if (!details.isEmpty()) {
                        b.setJob(job.toBuilder().putAllMetadata(details));
                    }
                    b.setResultMediaId(result.get().getMediaId()).setResultSizeBytes(result.get().getSize());
                    media.presignedUrl(result.get(), settings.resultUrlTtl()).ifPresent(u -> b.setResultUrl(u.toString()));
                    break;
                }
            }
        }
        return b.build();
    }

    /** Cancels a queued job and releases its charge; returns the job and the credits refunded. */
    Cancelled cancel(String jobId) {
        JobState cancelled = jobs.cancelQueued(jobId);
        settle(jobId);
        // Whoever released it (this call or the settler, on the job's event), the refund is the released charge.
        Charge charge = charge(jobId).orElse(null);
        return new Cancelled(cancelled, charge != null && charge.getState() == ChargeState.CHARGE_STATE_RELEASED
                ? charge.getCredits() : 0);
    }

    record Cancelled(JobState job, long refunded) {}

    /**
     * Settles the charge of an ended job: spent when it completed, back to the balance when it was cancelled or
     * failed. Returns the credits given back by this call (0 when settled already, or spent, or still running).
     */
    long settle(String jobId) {
        Charge peek = charge(jobId).orElse(null);
        if (peek == null || peek.getState() != ChargeState.CHARGE_STATE_RESERVED) {
            return 0;
        }
        // An ended job never changes again, so its status read here is its final one.
        JobState state = jobs.state(jobId).orElse(null);
        if (state == null || !JobLedger.isTerminal(state.getJob().getStatus())) {
            return 0;
        }
        boolean spent = state.getJob().getStatus() == JobStatus.JOB_STATUS_COMPLETED;
        // The credits this call settled (0 when another settler got there first); counted once the tx committed.
        long settled = inTx(() -> {
            UserAccounts.Account account = accounts.lock(peek.getUserId());
            Charge c = charge(jobId).orElseThrow();
            if (c.getState() != ChargeState.CHARGE_STATE_RESERVED) {
                return 0L;
            }
            long now = clock.millis();
            if (spent) {
                charges.put(jobId, c.toBuilder().setState(ChargeState.CHARGE_STATE_SETTLED).setEndedMs(now).build()
                        .toByteArray());
                return c.getCredits();
            }
            accounts.setCredits(account.userId(), account.credits() + c.getCredits());
            charges.put(jobId, c.toBuilder().setState(ChargeState.CHARGE_STATE_RELEASED).setEndedMs(now).build()
                    .toByteArray());
            return c.getCredits();
        });
        metrics.add(spent ? StudioCreditMetrics.SPENT : StudioCreditMetrics.REFUNDED, settled);
        return spent ? 0 : settled;
    }

    /** Settles every open charge whose job has ended (after a restart, or a coordinator that died mid-way). */
    int settleEnded() {
        List<String> open = new ArrayList<>();
        try (var cursor = charges.query(new ScanQuery<String, byte[]>())) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                if (Protos.parse(Charge.parser(), e.getValue()).getState() == ChargeState.CHARGE_STATE_RESERVED) {
                    open.add(e.getKey());
                }
            }
        }
        int settled = 0;
        for (String jobId : open) {
            JobState s = jobs.state(jobId).orElse(null);
            if (s != null && JobLedger.isTerminal(s.getJob().getStatus())) {
                settle(jobId);
                settled++;
            }
        }
        return settled;
    }

    // ---- credits --------------------------------------------------------------------------------

    /** The balance (after a due refill, stored) and when the next refill comes. */
    CreditBalance credits(String userId) {
        UserAccounts.Account account = inTx(() -> {
            UserAccounts.Account a = accounts.lock(userId);
            Refill refill = refill(a);
            if (refill.changes()) {
                refill.store(months, userId);
                accounts.setCredits(userId, refill.balance());
            }
            return new UserAccounts.Account(a.userId(), a.email(), a.fullName(), a.tier(), a.role(), refill.balance(),
                    a.createdAtMs());
        });
        return CreditBalance.newBuilder().setCredits(account.credits()).setTier(account.tier())
                .setCreditsPerMinute(StudioContract.CREDITS_PER_MINUTE)
                .setNextRefillAt(Protos.timestamp(nextRefillMs()))
                .setRefillTo(settings.monthlyCredits(account.tier())).build();
    }

    /**
     * Buys {@code packageName}: charged through the provider and credited in one transaction that holds the
     * purchase's idempotency record, so one key charges once, however often and wherever it is retried; a replay
     * answers the first purchase ({@code replayed}). The same key for another package is refused.
     */
    CreditPurchase purchase(String userId, String packageName, String paymentMethod, String idempotencyKey) {
        StudioSettings.CreditPackage pkg = settings.packages().get(packageName);
        if (pkg == null) {
            throw FabricException.invalid("UNKNOWN_PACKAGE", "Unknown credit package '" + packageName
                    + "'; packages: " + String.join(", ", settings.packages().keySet()));
        }
        if (paymentMethod.isBlank()) {
            throw FabricException.invalid("INVALID_PAYMENT_METHOD", "payment_method is required");
        }
        String key = idempotencyKey.isBlank() ? UUID.randomUUID().toString() : idempotencyKey;
        String recordKey = userId + "|" + key;
        CreditPurchase purchase = inTx(() -> {
            byte[] existing = purchases.get(recordKey);
            if (existing != null) {
                CreditPurchase first = Protos.parse(CreditPurchase.parser(), existing);
                if (!first.getPackage().equals(packageName)) {
                    throw FabricException.invalid("IDEMPOTENCY_KEY_REUSED",
                            "This Idempotency-Key was used for another purchase (package " + first.getPackage() + ")");
                }
                return first.toBuilder().setReplayed(true).build();
            }
            String reference = payments.charge(userId, paymentMethod, pkg.amountMinor(), settings.currency(), key);
            UserAccounts.Account account = accounts.lock(userId);
            Refill refill = refill(account);
            refill.store(months, userId);
            long balance = refill.balance() + pkg.credits();
            accounts.setCredits(userId, balance);
            CreditPurchase bought = CreditPurchase.newBuilder()
                    .setTransactionId("txn-" + UUID.nameUUIDFromBytes(recordKey.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .setCreditsAdded(pkg.credits()).setNewBalance(balance).setAmountMinor(pkg.amountMinor())
                    .setCurrency(settings.currency()).setPackage(packageName).setPaymentMethod(paymentMethod)
                    .setProviderReference(reference).setCreatedAt(Protos.timestamp(clock.millis())).setUserId(userId)
                    .build();
            purchases.put(recordKey, bought.toByteArray());
            return bought;
        });
        if (!purchase.getReplayed()) {
            metrics.add(StudioCreditMetrics.PURCHASED, purchase.getCreditsAdded());
        }
        return purchase;
    }

    /** Recent completed pro_sync jobs whose rate {@link #proSyncRate} averages. */
    static final int RATE_JOBS = 20;

    /**
     * This cluster's pro-sync throughput: billable seconds per wall second (queue time excluded) over its
     * {@link #RATE_JOBS} most recent completed pro_sync jobs, or {@link StudioContract#PRO_SYNC_DEFAULT_RATE}
     * before any; the estimate of a new job is its seconds over this rate.
     */
    double proSyncRate() {
        double seconds = 0;
        double wall = 0;
        int n = 0;
        for (JobState s : jobsOf(null, Set.of(JobStatus.JOB_STATUS_COMPLETED_VALUE))) {
            Job j = s.getJob();
            if (!j.getType().equals(StudioContract.PRO_SYNC) || !j.hasStartedAt() || !j.hasCompletedAt()) {
                continue;
            }
            double took = (millis(j.getCompletedAt()) - millis(j.getStartedAt())) / 1000.0;
            double billed = Double.parseDouble(j.getMetadataOrDefault(StudioContract.DURATION_SECONDS, "0"));
            if (took > 0 && billed > 0) {
                seconds += billed;
                wall += took;
                if (++n == RATE_JOBS) {
                    break;
                }
            }
        }
        return n == 0 ? StudioContract.PRO_SYNC_DEFAULT_RATE : seconds / wall;
    }

    // ---- admin ----------------------------------------------------------------------------------

    /** Figures over every user, studio job and stored blob. */
    StudioStats stats() {
        long todayMs = LocalDate.now(clock.withZone(ZoneOffset.UTC)).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long active = 0;
        long queued = 0;
        long completedToday = 0;
        long completed = 0;
        double processingMs = 0;
        for (JobState s : jobsOf(null, Set.of())) {
            Job j = s.getJob();
            switch (j.getStatus()) {
                case JOB_STATUS_PROCESSING -> active++;
                case JOB_STATUS_QUEUED -> queued++;
                case JOB_STATUS_COMPLETED -> {
                    long end = millis(j.getCompletedAt());
                    if (end >= todayMs) {
                        completedToday++;
                    }
                    if (j.hasStartedAt()) {
                        completed++;
                        processingMs += end - millis(j.getStartedAt());
                    }
                }
                default -> { }
            }
        }
        long bytes = 0;
        try (var cursor = ignite.<String, byte[]>cache(CacheNames.MEDIA).query(new ScanQuery<String, byte[]>())) {
            for (Cache.Entry<String, byte[]> e : cursor) {
                bytes += Protos.parse(MediaRecord.parser(), e.getValue()).getMedia().getSize();
            }
        }
        return StudioStats.newBuilder().setTotalUsers(accounts.count()).setActiveJobs(active).setQueuedJobs(queued)
                .setCompletedJobsToday(completedToday)
                .setTotalStorageGb(Math.round(bytes / 1e9 * 1000) / 1000.0)
                .setAverageProcessingTimeMinutes(completed == 0 ? 0
                        : Math.round(processingMs / completed / 60_000.0 * 100) / 100.0)
                .build();
    }

    // ---- internals ------------------------------------------------------------------------------

    /** The balance after the refill due this month (if any), and the month to record. */
    private record Refill(long balance, Long monthToStore) {
        boolean changes() {
            return monthToStore != null;
        }

        void store(IgniteCache<String, Long> months, String userId) {
            if (monthToStore != null) {
                months.put(userId, monthToStore);
            }
        }
    }

    /** Reads (and locks) the user's refill month: the refill due now, computed, nothing written. */
    private Refill refill(UserAccounts.Account account) {
        long month = month(clock.millis());
        Long last = months.get(account.userId());
        if (last == null) {
            // The first month's credits are the sign-up credits: record the month, refill nothing.
            return new Refill(account.credits(), month);
        }
        if (last >= month) {
            return new Refill(account.credits(), null);
        }
        return new Refill(Math.max(account.credits(), settings.monthlyCredits(account.tier())), month);
    }

    private static long millis(com.google.protobuf.Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    private static long month(long epochMs) {
        ZonedDateTime t = java.time.Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC);
        return t.getYear() * 100L + t.getMonthValue();
    }

    private long nextRefillMs() {
        LocalDate first = LocalDate.now(clock.withZone(ZoneOffset.UTC)).withDayOfMonth(1).plusMonths(1);
        return first.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private <T> T inTx(Supplier<T> body) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ, TX_TIMEOUT_MS, 0)) {
                T result = body.get();
                tx.commit();
                return result;
            } catch (FabricException | PaymentProvider.Declined e) {
                throw e;
            } catch (RuntimeException e) {
                if (attempt >= MAX_ATTEMPTS || !transientFailure(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean transientFailure(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof org.apache.ignite.transactions.TransactionException
                    || c instanceof org.apache.ignite.cluster.ClusterTopologyException) {
                return true;
            }
        }
        return false;
    }
}
