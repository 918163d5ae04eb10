package io.framegrid.gpunode.reframer;

import io.framegrid.proto.reframer.v1.ReplaceableElement;
import io.framegrid.proto.reframer.v1.Scene;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Words and weighs each shot for the results: its importance (people weigh most, products and motion add), the
 * tracked objects a brand could replace with how hard that would be, and a one-line description from the
 * {@link SceneDescriber}.
 */
final class SceneWriter {
    /** A sampled frame's tracked hits and its camera motion since the previous sample. */
    record Sample(long frame, List<AnalysisParts.TrackedHit> hits, double dx, double dy, double motion) {}

    private final SceneDescriber describer;

    SceneWriter(SceneDescriber describer) {
        this.describer = describer;
    }

    /** One scene per shot {@code [first, last]}, numbered from 1, in the order given. */
    List<Scene> scenes(List<int[]> shots, List<Sample> samples, Collection<String> trackIds, double fps) {
        // Per track, its analysed frames and mean box area (for how hard it would be to replace).
        Map<String, List<Long>> trackFrames = new LinkedHashMap<>();
        Map<String, double[]> trackArea = new LinkedHashMap<>();
        Map<String, String> trackClass = new LinkedHashMap<>();
        for (Sample s : samples) {
            for (AnalysisParts.TrackedHit h : s.hits()) {
                trackFrames.computeIfAbsent(h.trackId(), k -> new ArrayList<>()).add(s.frame());
                double[] area = trackArea.computeIfAbsent(h.trackId(), k -> new double[2]);
                area[0] += (double) h.w() * h.h();
                area[1]++;
                trackClass.put(h.trackId(), h.cls());
            }
        }
        List<Scene> scenes = new ArrayList<>();
        int number = 1;
        for (int[] range : shots) {
            List<Sample> inScene = samples.stream().filter(s -> s.frame() >= range[0] && s.frame() <= range[1]).toList();
            Set<String> persons = new HashSet<>();
            Set<String> products = new HashSet<>();
            double people = 0;
            double motion = 0;
            double dx = 0;
            double dy = 0;
            for (Sample s : inScene) {
                for (AnalysisParts.TrackedHit h : s.hits()) {
                    (h.cls().equals("person") ? persons : products).add(h.trackId());
                    people += h.cls().equals("person") ? 1 : 0;
                }
                motion += s.motion();
                dx += s.dx();
                dy += s.dy();
            }
            int n = Math.max(1, inScene.size());
            double avgPeople = people / n;
            double avgMotion = motion / n;
            int importance = (int) Math.max(1, Math.min(10, Math.round(2 + 1.5 * Math.min(4, avgPeople)
                    + Math.min(2, products.size()) + Math.min(2, avgMotion / 8))));
            String camera = camera(dx / n, dy / n);
            double seconds = (range[1] - range[0] + 1) / fps;
            Scene.Builder scene = Scene.newBuilder().setSceneNumber(number++).setStartFrame(range[0])
                    .setEndFrame(range[1]).setDescription(describer.describe(
                            new SceneDescriber.SceneFacts(persons.size(), products.size(), camera, seconds)))
                    .setImportance(importance);
            for (String id : trackIds) {
                if (!persons.contains(id) && !products.contains(id)) {
                    continue;
                }
                double[] area = trackArea.get(id);
                double meanArea = area == null || area[1] == 0 ? 0 : area[0] / area[1];
                long visible = trackFrames.getOrDefault(id, List.of()).stream()
                        .filter(f -> f >= range[0] && f <= range[1]).count();
                scene.addReplaceableElements(replaceable(id, trackClass.get(id), meanArea, visible));
            }
            scenes.add(scene.build());
        }
        return scenes;
    }

    private static String camera(double dxPerSample, double dyPerSample) {
        double ax = Math.abs(dxPerSample);
        double ay = Math.abs(dyPerSample);
        if (Math.max(ax, ay) < 1.5) {
            return "static camera";
        }
        if (ax >= ay) {
            // Content moving right means the camera pans left.
            return dxPerSample > 0 ? "camera pans left" : "camera pans right";
        }
        return dyPerSample > 0 ? "camera tilts up" : "camera tilts down";
    }

    private static ReplaceableElement replaceable(String id, String cls, double area, long visible) {
        // Small, briefly visible objects are easy to replace; large ones on screen for long are hard.
        String difficulty = cls.equals("person") && visible > 10 ? "hard"
                : area > 20_000 || visible > 10 ? "medium" : "easy";
        return ReplaceableElement.newBuilder().setType(cls).setDescription(cls + " " + id + ", seen in " + visible
                + " analysed frames, about " + Math.round(Math.sqrt(area)) + " px across")
                .setDifficulty(difficulty).build();
    }
}
