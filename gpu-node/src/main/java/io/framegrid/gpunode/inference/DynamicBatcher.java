package io.framegrid.gpunode.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Groups concurrent requests for one model into batches: what queued while the previous batch ran goes out as
 * the next batch (up to {@code maxBatchSize}); a request reaching an idle model is dispatched at once. Only when
 * several requests arrive together on an idle model do the burst's stragglers get until the oldest has waited
 * {@code maxQueueDelay}. One worker thread per batcher runs the batches in order; callers get futures. Each batch
 * tells its handler whether callers overlapped lately ({@link Handler}): a detector may spread a lone caller's run
 * over every core, which only pays while no other request wants them.
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {

    /** A request refused or dropped because the batcher is closed (a rejection, not a model failure). */
    public static final class ClosedException extends RejectedExecutionException {
        ClosedException(String message) {
            super(message);
        }
    }

    /** Runs one batch; must return one output per input, in order. */
    @FunctionalInterface
    public interface Handler<I, O> {
        /**
         * @param contended whether requests overlapped within the last {@link #CONTENTION_MEMORY} (several queued
         *     together, or one queued while the batch before it ran): concurrent callers, not a lone one
         */
        List<O> run(List<I> batch, boolean contended);
    }

    /** How long one overlap of requests keeps the batches marked contended. */
    public static final Duration CONTENTION_MEMORY = Duration.ofSeconds(1);

    private record Pending<I, O>(I item, long enqueuedNanos, CompletableFuture<BatchResult<O>> future) {
    }

    private final String model;
    private final BatchSettings settings;
    private final Handler<I, O> handler;
    private final BatchingMetrics metrics;
    private final BlockingQueue<Pending<I, O>> queue;
    private final Thread worker;
    private volatile boolean closed;
    /** Worker thread only: when the last batch finished, and when requests last overlapped. */
    private long previousEndNanos = System.nanoTime();
    private long contendedAtNanos = previousEndNanos - CONTENTION_MEMORY.toNanos();

    /** @param handler runs one batch; must return one output per input, in order */
    public DynamicBatcher(String model, BatchSettings settings, Function<List<I>, List<O>> handler,
            BatchingMetrics metrics) {
        this(model, settings, (batch, contended) -> handler.apply(batch), metrics);
    }

    public DynamicBatcher(String model, BatchSettings settings, Handler<I, O> handler, BatchingMetrics metrics) {
        this.model = model;
        this.settings = settings;
        this.handler = handler;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(settings.maxQueueSize());
        this.worker = new Thread(this::loop, "framegrid-batcher-" + model);
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues one request; the future fails with {@link RejectedExecutionException} when the queue is full. */
    public CompletableFuture<BatchResult<O>> submit(I item) {
        CompletableFuture<BatchResult<O>> future = new CompletableFuture<>();
        if (closed) {
            metrics.requests.labelValues(model, "rejected").inc();
            future.completeExceptionally(new ClosedException("batcher for " + model + " is closed"));
            return future;
        }
        Pending<I, O> pending = new Pending<>(item, System.nanoTime(), future);
        if (!queue.offer(pending)) {
            metrics.requests.labelValues(model, "rejected").inc();
            future.completeExceptionally(new RejectedExecutionException(
                    "queue for " + model + " is full (" + settings.maxQueueSize() + " waiting)"));
        } else if (closed && queue.remove(pending)) {
            // Closed between the check and the offer: the worker may already have failed what was queued and
            // gone, and nobody else would ever complete this future.
            future.completeExceptionally(new ClosedException("batcher for " + model + " is closed"));
        }
        return future;
    }

    private void loop() {
        List<Pending<I, O>> batch = new ArrayList<>(settings.maxBatchSize());
        while (!closed) {
            try {
                batch.clear();
                Pending<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // Whatever queued while the previous batch ran joins this one, without waiting: a lone request on
                // an idle model is dispatched at once (waiting could only add latency, nothing else is coming).
                queue.drainTo(batch, settings.maxBatchSize() - 1);
                if (batch.size() > 1) {
                    // A burst is arriving: its stragglers may still join until the oldest has waited
                    // maxQueueDelay. Under sustained load the oldest queued during the previous run, so this
                    // deadline has passed and nothing waits.
                    long deadline = first.enqueuedNanos() + settings.maxQueueDelay().toNanos();
                    while (batch.size() < settings.maxBatchSize()) {
                        long wait = deadline - System.nanoTime();
                        Pending<I, O> next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                        if (next == null) {
                            break;
                        }
                        batch.add(next);
                    }
                }
                long now = System.nanoTime();
                if (batch.size() > 1 || first.enqueuedNanos() - previousEndNanos < 0) {
                    contendedAtNanos = now;
                }
                dispatch(batch, now - contendedAtNanos < CONTENTION_MEMORY.toNanos());
            } catch (InterruptedException e) {
                break;
            }
        }
        Pending<I, O> left;
        while ((left = queue.poll()) != null) {
            left.future().completeExceptionally(new ClosedException("batcher for " + model + " closed"));
        }
    }

    private void dispatch(List<Pending<I, O>> batch, boolean contended) {
        long start = System.nanoTime();
        List<I> items = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) {
            items.add(p.item());
            metrics.queueSeconds.labelValues(model).observe((start - p.enqueuedNanos()) / 1e9);
        }
        metrics.batchSize.labelValues(model).observe(batch.size());
        try {
            List<O> outputs;
            try {
                outputs = handler.run(items, contended);
            } finally {
                // Before any caller hears back: a lone caller's next request must not look queued during this run.
                previousEndNanos = System.nanoTime();
            }
            if (outputs.size() != items.size()) {
                throw new IllegalStateException("batch handler returned " + outputs.size() + " results for "
                        + items.size() + " requests");
            }
            long run = System.nanoTime() - start;
            metrics.inferenceSeconds.labelValues(model).observe(run / 1e9);
            for (int i = 0; i < batch.size(); i++) {
                Pending<I, O> p = batch.get(i);
                metrics.requests.labelValues(model, "ok").inc();
                p.future().complete(new BatchResult<>(outputs.get(i), start - p.enqueuedNanos(), run, batch.size()));
            }
        } catch (RuntimeException e) {
            for (Pending<I, O> p : batch) {
                metrics.requests.labelValues(model, "error").inc();
                p.future().completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
