package io.framegrid.coordinator.reframer;

import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.MediaLibrary;
import java.util.OptionalLong;

/** Product C's coordinator plug-in: the {@link ReframerJobs} planners, sized by the probed frame counts. */
public final class ReframerPlanners implements CoordinatorProduct {
    @Override
    public String name() {
        return ReframerContract.PRODUCT;
    }

    @Override
    public void register(JobTypes types, Context context) {
        ReframerJobs.register(types, mediaId -> probedFrames(context.media(), mediaId));
    }

    // The probe stores what the container declares; anything but a plain count means "unknown" (one range).
    private static OptionalLong probedFrames(MediaLibrary media, String mediaId) {
        return media.get(mediaId).map(m -> m.getProbeMap().get("total_frames"))
                .filter(v -> v.matches("\\d{1,18}"))
                .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
    }
}
