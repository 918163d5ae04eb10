package io.framegrid.gpunode.reframer;

/**
 * Writes a scene's one-line description. The spec's product used an LLM (Gemini); that integration point is this
 * interface, and the default is a template over what the analysis measured, so nothing leaves the cluster.
 */
@FunctionalInterface
public interface SceneDescriber {
    String describe(SceneFacts facts);

    /** What the analysis knows about a scene. */
    record SceneFacts(int persons, int products, String cameraMotion, double seconds) {}

    /** "2 persons and 1 product in view, static camera, 4.2 s". */
    SceneDescriber TEMPLATE = f -> {
        String people = f.persons() == 0 ? "No people" : f.persons() + (f.persons() == 1 ? " person" : " persons");
        String products = f.products() == 0 ? "" : " and " + f.products() + (f.products() == 1 ? " product" : " products");
        return people + products + " in view, " + f.cameraMotion() + ", " + String.format("%.1f s", f.seconds());
    };
}
