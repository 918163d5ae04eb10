package io.framegrid.fabric.jobs;

import io.framegrid.fabric.FabricException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Group commit on one owner's record. Every submit and every job-ending commit must lock its owner's admission
 * record, so under load one owner's jobs queue on a single key lock; here the callers that arrive while a
 * transaction runs are carried by the next one together: one lock, one WAL commit for the whole batch.
 * A lone caller still runs at once (a batch of one). When a batch ends, all its callers are woken at once
 * and the lead passes to the oldest waiting caller, who runs everything queued meanwhile (no lock convoy:
 * a finished caller never waits behind the next batch). Entries live per owner for the batcher's lifetime.
 *
 * <p>Each op runs on the leader's thread, in arrival order, on the same owner state. An op that refuses with
 * {@link FabricException} or {@link LeaseLostException} must do so before it writes anything: that op alone
 * fails and the rest of the batch goes on. Any other failure ends the transaction, and every op of the batch
 * fails with it (the transaction rolled back as a whole).
 *
 * @param <S> the owner's state as the ops see it inside the transaction (the ledger: a {@code UserJobs.Builder})
 */
final class OwnerBatcher<S> {
    /** Runs one batch in one transaction: loads the owner's state, hands it to {@code ops}, stores it, commits. */
    @FunctionalInterface
    interface Transactor<S> {
        void inOneTransaction(String ownerId, Consumer<S> ops);
    }

    /** Work done under the lock of one owner's record; it may change the record through {@code owner}. */
    @FunctionalInterface
    interface Op<S, T> {
        T apply(S owner);
    }

    private final Transactor<S> transactor;
    private final Map<String, Batch<S>> batches = new ConcurrentHashMap<>();

    OwnerBatcher(Transactor<S> transactor) {
        this.transactor = transactor;
    }

    /** Runs {@code op} in a transaction that holds {@code ownerId}'s record, shared with concurrent callers. */
    <T> T run(String ownerId, Op<S, T> op) {
        Batch<S> batch = batches.computeIfAbsent(ownerId, k -> new Batch<>());
        Pending<S, T> mine = new Pending<>(op);
        boolean lead;
        synchronized (batch) {
            batch.queue.add(mine);
            lead = !batch.running;
            batch.running = true;
        }
        if (!lead) {
            boolean interrupted = false;
            while (!mine.done && !mine.lead) {
                LockSupport.park(batch);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                // A caller in a batch cannot leave it (its op may already be committed): keep the flag for later.
                Thread.currentThread().interrupt();
            }
        }
        if (!mine.done) {
            List<Pending<S, ?>> drained;
            synchronized (batch) {
                drained = new ArrayList<>(batch.queue);
                batch.queue.clear();
            }
            try {
                runBatch(ownerId, drained);
            } finally {
                Pending<S, ?> next;
                synchronized (batch) {
                    next = batch.queue.peekFirst();
                    batch.running = next != null;
                    if (next != null) {
                        next.lead = true;
                    }
                }
                if (next != null) {
                    LockSupport.unpark(next.thread);
                }
            }
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.result;
    }

    private void runBatch(String ownerId, List<Pending<S, ?>> drained) {
        try {
            // A retried transaction runs every op again on fresh state: each op resets its own outcome first.
            transactor.inOneTransaction(ownerId, owner -> drained.forEach(p -> p.run(owner)));
        } catch (RuntimeException | Error e) {
            // The transaction rolled back as a whole: every op of the batch failed with it.
            RuntimeException failure = e instanceof RuntimeException re ? re
                    : new IllegalStateException("Ledger batch failed: " + e, e);
            for (Pending<S, ?> p : drained) {
                p.result = null;
                p.error = failure;
            }
        } finally {
            Thread self = Thread.currentThread();
            for (Pending<S, ?> p : drained) {
                p.done = true;
                if (p.thread != self) {
                    LockSupport.unpark(p.thread);
                }
            }
        }
    }

    /** One caller's op waiting in an owner's batch. */
    private static final class Pending<S, T> {
        final Op<S, T> op;
        final Thread thread = Thread.currentThread();
        T result;
        RuntimeException error;
        /** Set (after result/error) once the op's batch ended; read by the parked caller. */
        volatile boolean done;
        /** Set when the previous leader hands this caller the next batch. */
        volatile boolean lead;

        Pending(Op<S, T> op) {
            this.op = op;
        }

        void run(S owner) {
            result = null;
            error = null;
            try {
                result = op.apply(owner);
            } catch (FabricException | LeaseLostException e) {
                // A refusal of this op alone (thrown before it wrote anything): the rest of the batch goes on.
                error = e;
            }
        }
    }

    /** Ops queued for one owner; while {@code running}, whoever leads runs everything queued in one transaction. */
    private static final class Batch<S> {
        final ArrayDeque<Pending<S, ?>> queue = new ArrayDeque<>();
        boolean running;
    }
}
