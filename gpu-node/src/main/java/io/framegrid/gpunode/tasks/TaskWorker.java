package io.framegrid.gpunode.tasks;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.grid.ClientReconnects;
import io.framegrid.fabric.jobs.JobLedger;
import io.framegrid.fabric.jobs.LeaseLostException;
import io.framegrid.fabric.jobs.PendingTaskFilter;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.fabric.jobs.TaskCommit;
import io.framegrid.proto.cluster.v1.NodeStatus;
import io.framegrid.proto.cluster.v1.Requirements;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases tasks from the grid and runs them. New and re-queued tasks are pushed to the node by a
 * continuous query (the tasks of a lease that failed are read again a heartbeat later; a node with a free slot and
 * nothing queued also reads the pending tasks every {@link #RESCAN_EVERY_BEATS} heartbeats, see
 * {@link #rescanIfIdle}); the node keeps those it can run (capabilities, registered executor)
 * in a per-owner fair queue, leases one per free slot, renews its leases every heartbeat, and stops a
 * task at once when its job is cancelled (its grid entry disappears) or its lease is lost.
 *
 * <p>A client node that loses the grid stops its tasks (their leases run out and coordinators re-queue them) and
 * leases nothing until it is back; back under a new node id, it publishes its status under that id, subscribes
 * again and re-reads every pending task (updates made while it was away were never delivered), and leases again.
 */
public final class TaskWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskWorker.class);

    private final JobLedger ledger;
    private final TaskExecutors executors;
    private final WorkerProfile profile;
    private final FramegridConfig.Jobs config;
    private final Clock clock;
    private final IgniteCache<String, byte[]> tasks;
    private final IgniteCache<String, byte[]> nodes;
    private final Ignite ignite;
    /** Heartbeats so far, counted by the heartbeat thread only. */
    private long beats;
    // Changes when a client node rejoins the grid after being dropped: leases and status are keyed by it.
    private volatile String nodeId;
    private final FairTaskQueue queue = new FairTaskQueue();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Semaphore slots;
    private final ExecutorService pool;
    private final ScheduledExecutorService heartbeat;
    private final AtomicLong completed = new AtomicLong();
    private final long startedAt;
    private volatile QueryCursor<Cache.Entry<String, byte[]>> cursor;
    private ClientReconnects reconnects;
    private Thread dispatcher;
    private volatile boolean stopped;
    private volatile String inferenceTarget = "";
    private volatile java.util.function.Supplier<? extends java.util.Collection<String>> inferenceModels = Set::of;

    public TaskWorker(Ignite ignite, JobLedger ledger, TaskExecutors executors, WorkerProfile profile, Clock clock) {
        this.ledger = ledger;
        this.executors = executors;
        this.profile = profile;
        this.config = ledger.config();
        this.clock = clock;
        this.tasks = ignite.cache(CacheNames.TASKS);
        this.nodes = ignite.cache(CacheNames.NODES);
        this.ignite = ignite;
        this.nodeId = ignite.cluster().localNode().id().toString();
        this.slots = new Semaphore(profile.slots());
        this.pool = Executors.newFixedThreadPool(profile.slots(), daemon("framegrid-task"));
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("framegrid-task-heartbeat"));
        this.startedAt = clock.millis();
    }

    public String nodeId() {
        return nodeId;
    }

    public TaskWorker start() {
        publishStatus();
        subscribe();
        if (ignite.cluster().localNode().isClient()) {
            reconnects = new ClientReconnects(ignite, "task worker", new ClientReconnects.Listener() {
                @Override
                public void disconnected() {
                    onDisconnected();
                }

                @Override
                public void reconnected(String id) {
                    onReconnected(id);
                }
            });
        }
        dispatcher = daemon("framegrid-task-dispatch").newThread(this::dispatch);
        dispatcher.start();
        long interval = config.heartbeatInterval().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, interval, interval, TimeUnit.MILLISECONDS);
        log.info("Task worker {} started: {} slots, gpu {}, models {}, task types {}", nodeId, profile.slots(),
                profile.gpu(), profile.models(), executors.types());
        return this;
    }

    // The initial scan sees every task pending now; the listener every later change.
    private void subscribe() {
        ContinuousQuery<String, byte[]> query = new ContinuousQuery<>();
        query.setInitialQuery(new ScanQuery<>());
        query.setLocalListener(events -> {
            for (CacheEntryEvent<? extends String, ? extends byte[]> e : events) {
                if (e.getEventType() == EventType.REMOVED || e.getEventType() == EventType.EXPIRED) {
                    onRemoved(e.getKey());
                } else {
                    onTask(Protos.parse(TaskState.parser(), e.getValue()));
                }
            }
        });
        QueryCursor<Cache.Entry<String, byte[]>> opened = tasks.query(query);
        cursor = opened;
        for (Cache.Entry<String, byte[]> e : opened) {
            onTask(Protos.parse(TaskState.parser(), e.getValue()));
        }
    }

    private void onDisconnected() {
        // Nothing leased under the old id can be committed by it any more: its leases expire and are re-queued.
        queue.clear();
        running.values().forEach(r -> r.cancel("grid connection lost"));
    }

    private void onReconnected(String id) {
        String previous;
        synchronized (this) {
            previous = nodeId;
            nodeId = id;
        }
        queue.clear();
        running.values().forEach(r -> r.cancel("rejoined the grid as a new node"));
        QueryCursor<Cache.Entry<String, byte[]>> old = cursor;
        if (old != null) {
            try {
                old.close();
            } catch (RuntimeException e) {
                log.debug("Closing the pre-disconnect task query: {}", e.toString());
            }
        }
        if (stopped) {
            return;
        }
        synchronized (this) {
            try {
                nodes.remove(previous);
            } catch (RuntimeException e) {
                log.debug("Cannot remove the status under the old id {}: {}", previous, e.toString());
            }
            publishStatus();
        }
        subscribe();
        log.info("Task worker rejoined the grid as {} (was {}): leasing again", id, previous);
    }

    /**
     * Also advertises the node's inference endpoint and its active models in every heartbeat, so coordinators
     * route detection requests here; call before {@link #start()}. Models are read at each beat, so
     * activating or deactivating one is visible within a heartbeat.
     */
    public TaskWorker advertiseInference(String target, java.util.function.Supplier<? extends java.util.Collection<String>> models) {
        this.inferenceTarget = target;
        this.inferenceModels = models;
        return this;
    }

    /** Tasks this worker runs at most at once. */
    public int slots() {
        return profile.slots();
    }

    public int runningTasks() {
        return running.size();
    }

    public long completedTasks() {
        return completed.get();
    }

    private boolean canRun(TaskState task) {
        Requirements req = task.getRequirements();
        return (!req.getGpu() || profile.gpu())
                && profile.models().containsAll(req.getModelsList())
                && executors.get(task.getTaskType()).isPresent();
    }

    private void onTask(TaskState task) {
        if (task.getStatus() == TaskStatus.TASK_STATUS_PENDING) {
            if (canRun(task)) {
                queue.offer(task.getOwnerId(), task.getTaskId());
            }
            return;
        }
        queue.remove(task.getTaskId());
        Running r = running.get(task.getTaskId());
        if (r != null && (!task.getLeaseNode().equals(r.context.nodeId()) || task.getFence() != r.fence)) {
            r.cancel("lease taken over");
        }
    }

    private void onRemoved(String taskId) {
        queue.remove(taskId);
        Running r = running.get(taskId);
        if (r != null) {
            r.cancel("task removed (job cancelled or ended)");
        }
    }

    private void dispatch() {
        while (!stopped) {
            try {
                slots.acquire();
                String first = queue.poll(500);
                if (first == null || stopped) {
                    slots.release();
                    continue;
                }
                // Every other free slot with a task waiting joins this lease: one transaction for the lot.
                java.util.List<String> wanted = new java.util.ArrayList<>();
                wanted.add(first);
                while (slots.tryAcquire()) {
                    String next = queue.poll(0);
                    if (next == null) {
                        slots.release();
                        break;
                    }
                    wanted.add(next);
                }
                java.util.List<TaskState> leased;
                // One id for the lease and everything done under it, even if the node rejoins meanwhile.
                String leaseNode = nodeId;
                try {
                    leased = ledger.leaseAll(wanted, leaseNode);
                } catch (RuntimeException e) {
                    log.debug("Lease of {} failed: {}", wanted, e.toString());
                    leased = java.util.List.of();
                    lookAgainLater(wanted);
                }
                slots.release(wanted.size() - leased.size());
                for (TaskState task : leased) {
                    run(task, leaseNode);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Dispatch failed: {}", e.toString());
            }
        }
    }

    /**
     * A lease that failed (its transaction timed out on locks a node being cut off still holds, a grid hiccup)
     * changed nothing in the grid, so no event will bring these tasks back, and they already left the queue: after a
     * heartbeat they are read again and queued if still pending. Without this, a node that lost such a race sat idle
     * beside pending work (the multi-host test's stall).
     */
    private void lookAgainLater(java.util.List<String> taskIds) {
        try {
            heartbeat.schedule(() -> {
                for (String id : taskIds) {
                    if (stopped) {
                        return;
                    }
                    try {
                        ledger.task(id).ifPresent(this::onTask);
                    } catch (RuntimeException e) {
                        // The grid is gone too: a rejoin re-reads every pending task anyway.
                        log.debug("Cannot re-read task {}: {}", id, e.toString());
                    }
                }
            }, config.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing: nothing to look at again.
        }
    }

    private void run(TaskState task, String leaseNode) {
        TaskExecutor executor = executors.get(task.getTaskType()).orElseThrow();
        TaskContext context = new TaskContext(task, ledger, leaseNode);
        Running r = new Running(context, task.getFence());
        running.put(task.getTaskId(), r);
        r.future = pool.submit(() -> execute(task, executor, context, r));
        if (context.isCancelled()) {
            r.future.cancel(true);
        }
    }

    private void execute(TaskState task, TaskExecutor executor, TaskContext context, Running r) {
        String id = task.getTaskId();
        try {
            TaskCommit result = executor.execute(context);
            context.checkCancelled();
            ledger.commit(task, r.context.nodeId(), result);
            completed.incrementAndGet();
        } catch (LeaseLostException | CancellationException | InterruptedException e) {
            log.debug("Task {} stopped without committing: {}", id, e.toString());
        } catch (Throwable e) {
            if (ClientReconnects.isDisconnect(e)) {
                // Not the task's fault: its lease runs out and it is re-queued, like any task of a lost node.
                log.debug("Task {} stopped: the node lost the grid", id);
            } else if (!context.isCancelled()) {
                log.warn("Task {} failed: {}", id, e.getCause() != null ? e + " (" + e.getCause() + ")" : e);
                try {
                    if (e instanceof TaskFailure f && f.getCause() != null) {
                        ledger.appendLog(task.getJobId(), "WARN", "Task " + id + ": " + f.getCause());
                    }
                    if (e instanceof TaskFailure f && !f.retryable()) {
                        ledger.failPermanently(id, r.context.nodeId(), task.getFence(), e.toString());
                    } else {
                        ledger.fail(id, r.context.nodeId(), task.getFence(), e.toString());
                    }
                } catch (RuntimeException ex) {
                    log.warn("Cannot report failure of {}: {}", id, ex.toString());
                }
            }
        } finally {
            running.remove(id, r);
            Thread.interrupted();
            slots.release();
        }
    }

    private void beat() {
        // Status first: a renewal can wait for the grid to remap the partitions of a node that just died, and
        // this node must not look dead meanwhile.
        try {
            publishStatus();
        } catch (RuntimeException ex) {
            log.debug("Node status update failed: {}", ex.toString());
        }
        for (Map.Entry<String, Running> e : running.entrySet()) {
            Running r = e.getValue();
            try {
                if (!r.context.isCancelled() && !ledger.renew(e.getKey(), r.context.nodeId(), r.fence)) {
                    r.cancel("lease lost");
                }
            } catch (RuntimeException ex) {
                log.debug("Renewal of {} failed: {}", e.getKey(), ex.toString());
            }
        }
        if (++beats % RESCAN_EVERY_BEATS == 0) {
            rescanIfIdle();
        }
    }

    /**
     * Stops the continuous query's deliveries as a lost event would, leaving everything else running: for tests of
     * the {@link #rescanIfIdle} safety net, which is then the only way new tasks reach this node.
     */
    void dropTaskEvents() {
        QueryCursor<Cache.Entry<String, byte[]>> current = cursor;
        if (current != null) {
            current.close();
        }
    }

    /** How many heartbeats apart an idle node reads the pending tasks itself. */
    static final int RESCAN_EVERY_BEATS = 10;

    /**
     * The safety net under the continuous query: a node with a free slot and nothing queued reads every pending task
     * (a scan filtered on the data nodes; the task cache holds only unfinished tasks) and queues those it can run.
     * Continuous-query events can be lost: in the multi-host test a cut-off node was dropped in the same topology
     * change that moved partitions to a second coordinator (baseline auto-adjust), the reaper re-queued its tasks
     * during that exchange, and the other gpu-node, idle with an empty queue, never heard of them; the jobs stayed
     * processing for good. A busy node needs no rescan: its next free slot comes with the queue it has. A task seen
     * here that is leased meanwhile is refused by the lease, as any stale event is.
     */
    void rescanIfIdle() {
        if (stopped || running.size() >= profile.slots() || queue.size() > 0) {
            return;
        }
        int found = 0;
        try (QueryCursor<Cache.Entry<String, byte[]>> pending = tasks.query(new ScanQuery<>(new PendingTaskFilter()))) {
            for (Cache.Entry<String, byte[]> e : pending) {
                TaskState task = Protos.parse(TaskState.parser(), e.getValue());
                if (canRun(task)) {
                    found++;
                    onTask(task);
                }
            }
        } catch (RuntimeException ex) {
            log.debug("Rescan of pending tasks failed: {}", ex.toString());
            return;
        }
        if (found > 0) {
            log.info("Queued {} pending tasks whose grid events this idle node had not received (lost or late)", found);
        }
    }

    // Synchronized with the id swap on a rejoin: a beat racing it must not leave a record under the old id.
    private synchronized void publishStatus() {
        String id = nodeId;
        nodes.put(id, NodeStatus.newBuilder().setNodeId(id).setName(profile.name()).setGpu(profile.gpu())
                .addAllModels(profile.models()).setSlots(profile.slots()).setRunningTasks(running.size())
                .setTasksCompleted(completed.get()).setLastHeartbeatMs(clock.millis()).setStartedAtMs(startedAt)
                .setInferenceTarget(inferenceTarget).addAllInferenceModels(inferenceModels.get())
                .build().toByteArray());
    }

    @Override
    public void close() {
        stopped = true;
        if (reconnects != null) {
            reconnects.close();
        }
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
        heartbeat.shutdownNow();
        running.values().forEach(r -> r.cancel("node stopping"));
        pool.shutdownNow();
        if (cursor != null) {
            cursor.close();
        }
        try {
            nodes.remove(nodeId);
        } catch (RuntimeException e) {
            log.debug("Cannot remove node status: {}", e.toString());
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Running {
        final TaskContext context;
        final long fence;
        volatile Future<?> future;

        Running(TaskContext context, long fence) {
            this.context = context;
            this.fence = fence;
        }

        void cancel(String why) {
            if (!context.isCancelled()) {
                log.debug("Stopping task {}: {}", context.task().getTaskId(), why);
            }
            context.cancel();
            Future<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
        }
    }
}
