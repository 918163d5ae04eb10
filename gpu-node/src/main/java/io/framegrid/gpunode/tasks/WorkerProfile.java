package io.framegrid.gpunode.tasks;

import java.util.Set;

/** What this node offers to tasks: a GPU or not, the models it serves, and how many tasks it runs at once. */
public record WorkerProfile(String name, boolean gpu, Set<String> models, int slots) {
    /** From {@code gpu-node.gpu} (auto = {@code gpuDetected}), {@code gpu-node.models} and {@code gpu-node.task-slots}. */
    public static WorkerProfile from(io.framegrid.config.FramegridConfig.Jobs jobs, String name, boolean gpuDetected) {
        boolean gpu = "auto".equalsIgnoreCase(jobs.gpu()) ? gpuDetected : Boolean.parseBoolean(jobs.gpu());
        return new WorkerProfile(name, gpu, Set.copyOf(jobs.models()), jobs.taskSlots());
    }
}
