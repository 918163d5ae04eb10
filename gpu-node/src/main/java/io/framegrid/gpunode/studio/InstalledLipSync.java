package io.framegrid.gpunode.studio;

import io.framegrid.gpunode.engine.lipsync.LipSync;
import io.framegrid.gpunode.engine.lipsync.LipSyncModels;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's installed lip-sync model, opened once and shared by every pro-sync task (an opened model is
 * thread-safe, and opening one loads it and runs a test batch, far too slow per segment). Looked up on each call,
 * so a model added with {@code framegrid models add} is used from the next segment on without a restart.
 */
final class InstalledLipSync implements Supplier<Optional<LipSync>> {
    private final LipSyncModels models;
    private String openedKey = "";
    private Optional<LipSync> opened = Optional.empty();

    InstalledLipSync(LipSyncModels models) {
        this.models = models;
    }

    @Override
    public synchronized Optional<LipSync> get() {
        String key = models.installed().stream().findFirst().map(m -> m.id() + "@" + m.version()).orElse("");
        if (!key.equals(openedKey)) {
            // A replaced model stays open: a segment on another slot may still be applying it, and a model swap is
            // an operator's rare act, so its session is left to the node's end rather than closed under a task.
            opened = key.isEmpty() ? Optional.empty() : models.open();
            openedKey = key;
        }
        return opened;
    }
}
