package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.framegrid.fabric.FabricException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The group-commit primitive on its own, driven by a fake transaction: no grid involved. */
class OwnerBatcherTest {
    /**
     * A fake "one transaction": the owner's state is a list of applied op names, committed per owner only when
     * the whole batch ran; it records how many ops each transaction carried.
     */
    private static final class FakeTransactor implements OwnerBatcher.Transactor<List<String>> {
        final Map<String, List<String>> committed = new ConcurrentHashMap<>();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);
        volatile RuntimeException failAfterOps;
        volatile int runsPerTransaction = 1;

        @Override
        public void inOneTransaction(String ownerId, Consumer<List<String>> ops) {
            entered.countDown();
            await(gate);
            List<String> state = null;
            for (int run = 0; run < runsPerTransaction; run++) {
                // Each run starts from the committed state, as a retried transaction does.
                state = new ArrayList<>(committed.getOrDefault(ownerId, List.of()));
                ops.accept(state);
            }
            if (failAfterOps != null) {
                throw failAfterOps;
            }
            batchSizes.add(state.size() - committed.getOrDefault(ownerId, List.of()).size());
            committed.put(ownerId, state);
        }

        private static void await(CountDownLatch latch) {
            try {
                latch.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final FakeTransactor tx = new FakeTransactor();
    private final OwnerBatcher<List<String>> batcher = new OwnerBatcher<>(tx);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static OwnerBatcher.Op<List<String>, Integer> add(String name) {
        return state -> {
            state.add(name);
            return state.size();
        };
    }

    @Test
    void loneCallerRunsAtOnceInABatchOfOne() {
        assertThat(batcher.run("alice", add("a1"))).isEqualTo(1);
        assertThat(batcher.run("alice", add("a2"))).isEqualTo(2);

        assertThat(tx.batchSizes).containsExactly(1, 1);
        assertThat(tx.committed.get("alice")).containsExactly("a1", "a2");
    }

    @Test
    void callersArrivingDuringABatchShareTheNextTransaction() throws Exception {
        tx.gate = new CountDownLatch(1);
        Future<Integer> first = pool.submit(() -> batcher.run("alice", add("first")));
        // The first caller leads and is held inside its transaction.
        assertThat(tx.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<Thread> waiters = new CopyOnWriteArrayList<>();
        List<Future<Integer>> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "later" + i;
            later.add(pool.submit(() -> {
                waiters.add(Thread.currentThread());
                return batcher.run("alice", add(name));
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters.size() == 5
                && waiters.stream().allMatch(t -> t.getState() == Thread.State.WAITING));

        tx.gate.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        List<Integer> results = new ArrayList<>();
        for (Future<Integer> f : later) {
            results.add(f.get(10, TimeUnit.SECONDS));
        }
        // Two transactions in all: the first caller's, then one carrying all five that queued meanwhile.
        assertThat(tx.batchSizes).containsExactly(1, 5);
        assertThat(results).containsExactlyInAnyOrder(2, 3, 4, 5, 6);
        assertThat(tx.committed.get("alice")).hasSize(6).startsWith("first");
    }

    @Test
    void ownersDoNotShareBatches() {
        batcher.run("alice", add("a"));
        batcher.run("bob", add("b"));

        assertThat(tx.committed).containsEntry("alice", List.of("a")).containsEntry("bob", List.of("b"));
    }

    @Test
    void aRefusalFailsOnlyItsOwnOp() throws Exception {
        tx.gate = new CountDownLatch(1);
        Future<Integer> first = pool.submit(() -> batcher.run("alice", add("first")));
        assertThat(tx.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<Thread> waiters = new CopyOnWriteArrayList<>();
        Future<Integer> refused = pool.submit(() -> {
            waiters.add(Thread.currentThread());
            return batcher.run("alice", state -> {
                throw FabricException.notFound("JOB_NOT_FOUND", "Job not found");
            });
        });
        Future<Integer> lost = pool.submit(() -> {
            waiters.add(Thread.currentThread());
            return batcher.run("alice", state -> {
                throw new LeaseLostException("lease gone");
            });
        });
        Future<Integer> fine = pool.submit(() -> {
            waiters.add(Thread.currentThread());
            return batcher.run("alice", add("fine"));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> waiters.size() == 3
                && waiters.stream().allMatch(t -> t.getState() == Thread.State.WAITING));

        tx.gate.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(fine.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(FabricException.class);
        assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LeaseLostException.class);
        assertThat(tx.committed.get("alice")).containsExactly("first", "fine");
    }

    @Test
    void aFailedTransactionFailsEveryOpOfItsBatchAndTheNextBatchStillRuns() {
        IllegalStateException rollback = new IllegalStateException("grid said no");
        tx.failAfterOps = rollback;

        assertThatThrownBy(() -> batcher.run("alice", add("a"))).isSameAs(rollback);
        assertThat(tx.committed).doesNotContainKey("alice");

        tx.failAfterOps = null;
        assertThat(batcher.run("alice", add("b"))).isEqualTo(1);
        assertThat(tx.committed.get("alice")).containsExactly("b");
    }

    @Test
    void anErrorInTheTransactionReachesTheCallersAsAnException() {
        OwnerBatcher<List<String>> failing = new OwnerBatcher<>((owner, ops) -> {
            throw new AssertionError("boom");
        });

        assertThatThrownBy(() -> failing.run("alice", add("a")))
                .isInstanceOf(IllegalStateException.class).hasCauseInstanceOf(AssertionError.class);
    }

    @Test
    void aRetriedTransactionReportsTheOutcomeOfItsLastRun() {
        tx.runsPerTransaction = 2;
        int[] calls = {0};

        Integer result = batcher.run("alice", state -> {
            if (calls[0]++ == 0) {
                throw new LeaseLostException("first run refused");
            }
            state.add("second");
            return state.size();
        });

        assertThat(result).isEqualTo(1);
        assertThat(tx.committed.get("alice")).containsExactly("second");
    }
}
