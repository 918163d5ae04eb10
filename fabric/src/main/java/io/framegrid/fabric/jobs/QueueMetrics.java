package io.framegrid.fabric.jobs;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.TaskStatus;
import io.framegrid.proto.cluster.v1.UserJobs;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;

/**
 * The work waiting in the grid, counted at scrape time over the entries this server node is primary for: the
 * cluster's figure is the sum over every coordinator's endpoint, each entry counted by exactly one. Open tasks are
 * few (a committed task is removed), so the scan stays cheap.
 */
public final class QueueMetrics {
    private QueueMetrics() {}

    /** Registers the gauges; {@code jobTypes} pre-fills every known type with zeros so new products show up at once. */
    public static QueueMetrics register(PrometheusRegistry registry, Ignite ignite,
            Supplier<? extends Collection<String>> jobTypes) {
        IgniteCache<String, byte[]> tasks = ignite.cache(CacheNames.TASKS);
        IgniteCache<String, byte[]> owners = ignite.cache(CacheNames.USER_JOBS);
        GaugeWithCallback.builder()
                .name("framegrid_tasks_open")
                .help("Open tasks of processing jobs, by job type and status (pending: waiting for a node, leased: "
                        + "running), as held by this server node's primary partitions")
                .labelNames("type", "status")
                .callback(cb -> {
                    Map<String, long[]> counts = new TreeMap<>();
                    jobTypes.get().forEach(type -> counts.put(type, new long[2]));
                    try {
                        for (Cache.Entry<String, byte[]> e : tasks.localEntries(CachePeekMode.PRIMARY)) {
                            TaskState task = Protos.parse(TaskState.parser(), e.getValue());
                            if (task != null) {
                                long[] c = counts.computeIfAbsent(task.getJobType(), t -> new long[2]);
                                c[task.getStatus() == TaskStatus.TASK_STATUS_LEASED ? 1 : 0]++;
                            }
                        }
                    } catch (RuntimeException e) {
                        return; // the node is stopping or not yet active: no sample rather than a failed scrape
                    }
                    counts.forEach((type, c) -> {
                        cb.call(c[0], type, "pending");
                        cb.call(c[1], type, "leased");
                    });
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("framegrid_jobs_queued")
                .help("Jobs waiting for admission behind their owner's tier limit, as held by this server node's "
                        + "primary partitions")
                .callback(cb -> {
                    long queued = 0;
                    try {
                        for (Cache.Entry<String, byte[]> e : owners.localEntries(CachePeekMode.PRIMARY)) {
                            UserJobs jobs = Protos.parse(UserJobs.parser(), e.getValue());
                            if (jobs != null) {
                                queued += jobs.getQueuedCount();
                            }
                        }
                    } catch (RuntimeException e) {
                        return; // as above
                    }
                    cb.call(queued);
                })
                .register(registry);
        return new QueueMetrics();
    }
}
