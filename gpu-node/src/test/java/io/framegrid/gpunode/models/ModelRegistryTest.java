package io.framegrid.gpunode.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {

    @Test
    void registersShippedModelsPresentInTheModelsDirectory() {
        ModelRegistry registry = new ModelRegistry(SharedFiles.models());
        assertThat(registry.list()).extracting(ModelManifest::id)
                .containsExactly("yolox-nano", "paddleocr-db-text", "selfie-segmentation", "hog-people", "haar-face");
        ModelManifest yolox = registry.find("yolox-nano").orElseThrow();
        assertThat(yolox.classNames()).hasSize(80).startsWith("person", "bicycle");
        assertThat(yolox.sha256()).matches("[0-9a-f]{64}");
        assertThat(yolox.licence()).contains("Apache");
        assertThat(yolox.maxModelBatch()).isEqualTo(1);
        assertThat(registry.defaultModelId()).contains("yolox-nano");
    }

    @Test
    void worksWithoutAModelsDirectoryThroughBuiltInModels(@TempDir Path empty) {
        ModelRegistry registry = new ModelRegistry(empty.resolve("missing"));
        assertThat(registry.list()).extracting(ModelManifest::id)
                .containsExactly("paddleocr-db-text", "hog-people", "haar-face");
        assertThat(registry.defaultModelId()).contains("paddleocr-db-text");
    }

    @Test
    void directoryManifestsOverrideAndDigestsAreChecked(@TempDir Path dir) throws Exception {
        Files.copy(SharedFiles.models().resolve("yolox_nano.onnx"), dir.resolve("yolox_nano.onnx"));
        Files.writeString(dir.resolve("custom.model.properties"), String.join("\n",
                "id=yolox-custom", "name=Custom", "task=object-detection", "file=yolox_nano.onnx",
                "classes=a,b", "licence=MIT", "threshold=0.5"));
        Files.writeString(dir.resolve("bad.model.properties"), String.join("\n",
                "id=yolox-bad", "file=yolox_nano.onnx", "sha256=" + "0".repeat(64)));
        ModelRegistry registry = new ModelRegistry(dir);
        assertThat(registry.find("yolox-custom")).get()
                .satisfies(m -> assertThat(m.classNames()).containsExactly("a", "b"))
                .satisfies(m -> assertThat(m.defaultThreshold()).isEqualTo(0.5f));
        assertThat(registry.find("yolox-bad")).isEmpty();
        // coco.names is missing here, so the shipped YOLOX manifest cannot register.
        assertThat(registry.find("yolox-nano")).isEmpty();
        assertThat(registry.deactivate("yolox-custom")).isTrue();
        assertThat(registry.isActive("yolox-custom")).isFalse();
        assertThat(registry.activate("yolox-custom")).isTrue();
        assertThat(registry.isActive("yolox-custom")).isTrue();
        assertThat(registry.activate("unknown")).isFalse();
    }
}
