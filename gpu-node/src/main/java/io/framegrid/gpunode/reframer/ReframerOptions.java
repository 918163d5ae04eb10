package io.framegrid.gpunode.reframer;

import io.framegrid.proto.reframer.ReframerContract;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-job analysis options, read from the job's metadata (all optional): the caller's
 * {@link io.framegrid.proto.reframer.v1.AnalysisParams} as {@link ReframerContract#metadata} writes them, plus
 * operator knobs (model, thresholds, class map, masks) a job may set directly.
 *
 * @param sampleEvery     detect, track and segment every Nth frame (shot boundaries use every frame)
 * @param maxFrames       analyse at most this many frames from the start (0 = all); the render is always whole
 * @param aspectW         target aspect of the reframed video, width part (9 of 9:16)
 * @param model           detector model id; empty = {@code yolox-nano} when served, else {@code hog-people}
 * @param detectThreshold lowest detection score kept (ByteTrack's "low" detections start here)
 * @param highThreshold   score from which a detection is "high" and may start a track
 * @param classMap        detector label → reframer class ({@code person} / {@code product}); unmapped labels dropped
 * @param sceneThreshold  Bhattacharyya histogram distance between consecutive frames that marks a cut
 * @param masks           whether segmentation masks are computed (GrabCut seeded by each tracked box)
 */
public record ReframerOptions(int sampleEvery, int maxFrames, int aspectW, int aspectH, String model,
        double detectThreshold, double highThreshold, Map<String, String> classMap, double sceneThreshold,
        boolean masks) {

    /** COCO labels that count as a product a brand could replace; everything else but people is ignored. */
    public static final String DEFAULT_CLASS_MAP = "person=person,bottle=product,cup=product,wine glass=product,"
            + "handbag=product,backpack=product,suitcase=product,cell phone=product,laptop=product,book=product,"
            + "umbrella=product,tie=product,sports ball=product,bowl=product,vase=product,clock=product,"
            + "teddy bear=product,remote=product,keyboard=product,mouse=product,tv=product,chair=product";

    public static ReframerOptions from(Map<String, String> meta) {
        String[] aspect = meta.getOrDefault(ReframerContract.ASPECT, "9:16").split(":");
        if (aspect.length != 2) {
            throw new IllegalArgumentException("aspect must look like 9:16");
        }
        return new ReframerOptions(
                Integer.parseInt(meta.getOrDefault(ReframerContract.SAMPLE_EVERY, "5")),
                Integer.parseInt(meta.getOrDefault(ReframerContract.MAX_FRAMES, "0")),
                Integer.parseInt(aspect[0].trim()), Integer.parseInt(aspect[1].trim()),
                meta.getOrDefault("model", ""),
                Double.parseDouble(meta.getOrDefault("detect_threshold", "0.2")),
                Double.parseDouble(meta.getOrDefault("high_threshold", "0.5")),
                parseClassMap(meta.getOrDefault("class_map", DEFAULT_CLASS_MAP)),
                Double.parseDouble(meta.getOrDefault("scene_threshold", "0.35")),
                Boolean.parseBoolean(meta.getOrDefault("masks", "true")));
    }

    static Map<String, String> parseClassMap(String spec) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                map.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
        }
        return map;
    }
}
