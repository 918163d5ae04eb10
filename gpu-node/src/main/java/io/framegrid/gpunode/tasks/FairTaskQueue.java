package io.framegrid.gpunode.tasks;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Pending tasks this node could run, served round-robin between owners (so one user's thousand
 * tasks cannot starve another's one), FIFO within an owner.
 */
final class FairTaskQueue {
    private final Map<String, LinkedHashSet<String>> byOwner = new HashMap<>();
    private final Map<String, String> ownerOf = new HashMap<>();
    private final ArrayDeque<String> ring = new ArrayDeque<>();

    synchronized void offer(String owner, String taskId) {
        if (ownerOf.containsKey(taskId)) {
            return;
        }
        ownerOf.put(taskId, owner);
        LinkedHashSet<String> tasks = byOwner.computeIfAbsent(owner, o -> new LinkedHashSet<>());
        if (tasks.isEmpty()) {
            ring.addLast(owner);
        }
        tasks.add(taskId);
        notifyAll();
    }

    /** Forgets every task (the node lost the grid: what it knew may be stale). */
    synchronized void clear() {
        byOwner.clear();
        ownerOf.clear();
        ring.clear();
    }

    synchronized void remove(String taskId) {
        String owner = ownerOf.remove(taskId);
        if (owner != null) {
            LinkedHashSet<String> tasks = byOwner.get(owner);
            tasks.remove(taskId);
            if (tasks.isEmpty()) {
                byOwner.remove(owner);
                ring.remove(owner);
            }
        }
    }

    /** The next task in fair order, waiting up to {@code waitMs} for one; null when none came. */
    synchronized String poll(long waitMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        while (ring.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            wait(left);
        }
        String owner = ring.pollFirst();
        LinkedHashSet<String> tasks = byOwner.get(owner);
        String taskId = tasks.iterator().next();
        tasks.remove(taskId);
        ownerOf.remove(taskId);
        if (tasks.isEmpty()) {
            byOwner.remove(owner);
        } else {
            ring.addLast(owner);
        }
        return taskId;
    }

    synchronized int size() {
        return ownerOf.size();
    }
}
