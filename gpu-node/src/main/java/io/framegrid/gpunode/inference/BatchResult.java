package io.framegrid.gpunode.inference;

/** A request's result with how it was served: time queued, time its batch ran, and that batch's size. */
public record BatchResult<O>(O value, long queueNanos, long runNanos, int batchSize) {
}
