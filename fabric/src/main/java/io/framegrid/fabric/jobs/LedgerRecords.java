package io.framegrid.fabric.jobs;

import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.cluster.v1.JobState;
import io.framegrid.proto.cluster.v1.TaskOutput;
import io.framegrid.proto.cluster.v1.TaskState;
import io.framegrid.proto.cluster.v1.UserJobs;
import java.util.Map;
import java.util.SortedSet;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * The ledger's records as protobuf values: jobs, tasks, task outputs and owners' admission records. Inside a
 * pessimistic transaction a read locks its key until the commit, so the order of the reads here is the lock
 * order; the callers keep it (owner, then job, then tasks and outputs). Outside one, a read is a plain peek.
 */
final class LedgerRecords {
    private final IgniteCache<String, byte[]> jobs;
    private final IgniteCache<String, byte[]> tasks;
    private final IgniteCache<String, byte[]> outputs;
    private final IgniteCache<String, byte[]> userJobs;

    LedgerRecords(Ignite ignite) {
        this.jobs = ignite.cache(CacheNames.JOBS);
        this.tasks = ignite.cache(CacheNames.TASKS);
        this.outputs = ignite.cache(CacheNames.TASK_OUTPUTS);
        this.userJobs = ignite.cache(CacheNames.USER_JOBS);
    }

    JobState job(String jobId) {
        return Protos.parse(JobState.parser(), jobs.get(jobId));
    }

    /** The job record, locked when in a transaction; a job that is gone is the caller's error. */
    JobState lockedJob(String jobId) {
        JobState js = job(jobId);
        if (js == null) {
            throw FabricException.notFound("JOB_NOT_FOUND", "Job not found");
        }
        return js;
    }

    void putJob(JobState state) {
        jobs.put(state.getJob().getJobId(), state.toByteArray());
    }

    /** The owner's admission record; an owner without jobs has an empty one. */
    UserJobs owner(String ownerId) {
        UserJobs uj = Protos.parse(UserJobs.parser(), userJobs.get(ownerId));
        return uj == null ? UserJobs.getDefaultInstance() : uj;
    }

    void putOwner(String ownerId, UserJobs owner) {
        userJobs.put(ownerId, owner.toByteArray());
    }

    TaskState task(String taskId) {
        return Protos.parse(TaskState.parser(), tasks.get(taskId));
    }

    /** Several tasks, read (and locked) in the iteration order of {@code taskIds}: callers pass them sorted. */
    Map<String, byte[]> tasks(SortedSet<String> taskIds) {
        return tasks.getAll(taskIds);
    }

    void putTask(TaskState task) {
        tasks.put(task.getTaskId(), task.toByteArray());
    }

    void putTasks(Map<String, byte[]> sortedUpdates) {
        tasks.putAll(sortedUpdates);
    }

    void removeTask(String taskId) {
        tasks.remove(taskId);
    }

    /** Removes tasks, locking them in sorted order like every multi-task lock. */
    void removeTasks(SortedSet<String> taskIds) {
        tasks.removeAll(taskIds);
    }

    TaskOutput output(String taskId) {
        return Protos.parse(TaskOutput.parser(), outputs.get(taskId));
    }

    boolean hasOutput(String taskId) {
        return outputs.containsKey(taskId);
    }

    void putOutput(TaskOutput output) {
        outputs.put(output.getTaskId(), output.toByteArray());
    }
}
