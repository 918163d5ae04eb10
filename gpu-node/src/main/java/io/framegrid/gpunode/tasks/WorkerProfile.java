package io.framegrid.gpunode.tasks;

import java.util.Set;

/** What this node offers to tasks: a GPU or not, the models it serves, and how many tasks it runs at once. */
public record WorkerProfile(String name, boolean gpu, Set<String> models, int slots) {}
