package io.framegrid.launcher.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.launcher.Framegrid;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code framegrid models add|list|verify} on the real YOLOX-Nano file: digest and load checked before anything is copied. */
class ModelsCommandTest {
    private static final String YOLOX_SHA256 = "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd";

    private record Run(int exit, String out, String err) {}

    private static Run framegrid(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Framegrid.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void addChecksTheDigestAndTheLoadThenListAndVerifyShowTheModel(@TempDir Path data) throws Exception {
        Path model = SharedFiles.models().resolve("yolox_nano.onnx");
        Path classes = SharedFiles.models().resolve("coco.names");
        Path models = data.resolve("models");

        Run wrongDigest = framegrid("models", "add", model.toString(), "--data-dir", data.toString(),
                "--classes", classes.toString(), "--sha256", "00" + YOLOX_SHA256.substring(2));
        assertThat(wrongDigest.exit()).isEqualTo(1);
        assertThat(wrongDigest.err()).contains("has sha256 " + YOLOX_SHA256, "not added");
        assertThat(models).doesNotExist();

        Run noClasses = framegrid("models", "add", model.toString(), "--data-dir", data.toString());
        assertThat(noClasses.exit()).isEqualTo(1);
        assertThat(noClasses.err()).contains("classes.file=coco.names", "--classes");

        Run before = framegrid("models", "list", "--data-dir", data.toString());
        assertThat(before.out()).contains("hog-people", "COCO detection (yolox-nano) is off");

        Run added = framegrid("models", "add", model.toString(), "--data-dir", data.toString(),
                "--classes", classes.toString(), "--sha256", YOLOX_SHA256);
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).contains("Added yolox-nano", YOLOX_SHA256);
        assertThat(models.resolve("yolox_nano.onnx")).hasSameBinaryContentAs(model);
        assertThat(Files.readString(models.resolve("yolox-nano.model.properties"))).contains("sha256=" + YOLOX_SHA256);

        Run listed = framegrid("models", "list", "--data-dir", data.toString());
        assertThat(listed.out()).contains("yolox-nano", "object-detection", "yolox_nano.onnx")
                .doesNotContain("is off");
        Run verified = framegrid("models", "verify", "--data-dir", data.toString());
        assertThat(verified.exit()).as(verified.out()).isZero();
        assertThat(verified.out()).containsPattern("yolox-nano\\s+OK");

        // A file that no longer matches its manifest fails verification.
        Files.write(models.resolve("yolox_nano.onnx"), new byte[] {1, 2, 3});
        Run broken = framegrid("models", "verify", "--data-dir", data.toString());
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.out()).contains("yolox-nano", "FAILED: sha256 is");
    }

    @Test
    void aFileThatDoesNotLoadIsNotAdded(@TempDir Path data) throws Exception {
        Path fake = Files.write(data.resolve("yolox_nano.onnx"), "not a model".getBytes(StandardCharsets.UTF_8));
        Run run = framegrid("models", "add", fake.toString(), "--models-dir", data.resolve("m").toString(),
                "--classes", SharedFiles.models().resolve("coco.names").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("does not load", "not added");
        assertThat(data.resolve("m")).doesNotExist();
    }
}
