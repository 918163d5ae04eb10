package io.framegrid.launcher.models;

import io.framegrid.config.ConfigLoader;
import io.framegrid.config.FramegridConfig;
import io.framegrid.gpunode.engine.lipsync.LipSync;
import io.framegrid.gpunode.engine.lipsync.LipSyncModels;
import io.framegrid.gpunode.inference.Detector;
import io.framegrid.gpunode.inference.DetectorFactory;
import io.framegrid.gpunode.kernels.ComputeDevice;
import io.framegrid.gpunode.models.ModelManifest;
import io.framegrid.gpunode.models.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code framegrid models list|add|verify}: the models folder a gpu-node serves ({@code gpu-node.models.dir},
 * by default {@code <data-dir>/models}): model files with their {@code *.model.properties} manifests.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List, add and verify the models a gpu-node serves",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.AddModel.class, ModelsCommand.VerifyModels.class})
public final class ModelsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Where the models folder is: --models-dir, else the configuration's (file, environment, --set). */
    static class Folder {
        @Option(names = "--models-dir", description = "Models folder (default: gpu-node.models.dir, i.e. <data-dir>/models)")
        Path modelsDir;
        @Option(names = {"-c", "--config"}, description = "Properties file with settings")
        Path configFile;
        @Option(names = "--data-dir", description = "Data folder (its models/ subfolder is the default models folder)")
        Path dataDir;

        Path resolve() {
            if (modelsDir != null) {
                return modelsDir.toAbsolutePath().normalize();
            }
            Map<String, String> overrides = new LinkedHashMap<>();
            if (dataDir != null) {
                overrides.put("data-dir", dataDir.toString());
            }
            return FramegridConfig.from(ConfigLoader.load(configFile, System.getenv(), overrides)).gpuNode().modelsDir();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Models the folder and the jar provide")
    static final class ListModels implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Folder folder = new Folder();

        @Override
        public Integer call() {
            Path dir = folder.resolve();
            ModelRegistry registry = new ModelRegistry(dir);
            System.out.printf("Models folder: %s%n", dir);
            System.out.printf("%-22s %-18s %-13s %-26s %s%n", "ID", "TASK", "RUNTIME", "FILE", "SHA-256");
            for (ModelManifest m : registry.list()) {
                System.out.printf("%-22s %-18s %-13s %-26s %s%n", m.id(), m.task(), m.runtime(), m.file(),
                        m.sha256().isEmpty() ? "-" : m.sha256().substring(0, 16) + "…");
            }
            if (registry.find("yolox-nano").isEmpty()) {
                System.out.println("COCO detection (yolox-nano) is off: add yolox_nano.onnx with 'framegrid models add'.");
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Copy a model file and its manifest into the models folder, checking its sha256 and that it loads")
    static final class AddModel implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Folder folder = new Folder();
        @Parameters(index = "0", description = "The model file (e.g. yolox_nano.onnx)")
        Path file;
        @Option(names = "--manifest", description = "Its *.model.properties manifest (default: the shipped manifest "
                + "whose file has this name, e.g. yolox-nano for yolox_nano.onnx)")
        Path manifest;
        @Option(names = "--sha256", description = "Expected sha256 of the file (else the manifest's, if it names one)")
        String sha256;
        @Option(names = "--classes", description = "Class names file the manifest refers to (classes.file), e.g. coco.names")
        Path classes;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) {
                return fail("no such file: " + file);
            }
            Properties p = manifest != null ? load(manifest) : shippedFor(file.getFileName().toString());
            if (p == null) {
                return fail("no manifest for " + file.getFileName() + ": pass --manifest (a *.model.properties file)");
            }
            String id = p.getProperty("id", "").trim();
            if (id.isEmpty()) {
                return fail("the manifest has no id");
            }
            p.setProperty("file", file.getFileName().toString());
            String actual = sha256(file);
            String expected = sha256 != null ? sha256.trim().toLowerCase(Locale.ROOT)
                    : p.getProperty("sha256", "").trim().toLowerCase(Locale.ROOT);
            if (!expected.isEmpty() && !expected.equals(actual)) {
                return fail(file + " has sha256 " + actual + ", expected " + expected + ": not added");
            }
            p.setProperty("sha256", actual);
            p.remove("origin");

            // Staged in a scratch folder first: the models folder only changes once the model has loaded.
            Path stage = Files.createTempDirectory("framegrid-model-");
            try {
                Files.copy(file, stage.resolve(file.getFileName()));
                String classesFile = p.getProperty("classes.file", "").trim();
                Path dir = folder.resolve();
                if (!classesFile.isEmpty()) {
                    Path source = classes != null ? classes : dir.resolve(classesFile);
                    if (!Files.isRegularFile(source)) {
                        return fail("the manifest names classes.file=" + classesFile + ": pass it with --classes");
                    }
                    Files.copy(source, stage.resolve(classesFile));
                }
                Path manifestFile = stage.resolve(id + ".model.properties");
                try (Writer out = Files.newBufferedWriter(manifestFile, StandardCharsets.UTF_8)) {
                    p.store(out, "Added by framegrid models add");
                }
                String problem = loads(stage, id);
                if (problem != null) {
                    return fail(id + " does not load: " + problem + ": not added");
                }
                Files.createDirectories(dir);
                try (var staged = Files.list(stage)) {
                    for (Path f : staged.toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                System.out.printf("Added %s (%s, sha256 %s) to %s; gpu-nodes serve it from their next start.%n",
                        id, file.getFileName(), actual, dir);
                return 0;
            } finally {
                deleteRecursively(stage);
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check every model of the folder: its manifest, its sha256 and that it loads")
    static final class VerifyModels implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Folder folder = new Folder();

        @Override
        public Integer call() throws IOException {
            Path dir = folder.resolve();
            if (!Files.isDirectory(dir)) {
                System.out.println("No models folder at " + dir + " (built-in models only)");
                return 0;
            }
            int bad = 0;
            ModelRegistry registry = new ModelRegistry(dir);
            try (var manifests = Files.newDirectoryStream(dir, "*.model.properties")) {
                for (Path m : manifests) {
                    Properties p = load(m);
                    String id = p.getProperty("id", "").trim();
                    String declared = p.getProperty("sha256", "").trim().toLowerCase(Locale.ROOT);
                    Path model = dir.resolve(p.getProperty("file", "").trim());
                    String problem;
                    if (!Files.isRegularFile(model)) {
                        problem = "missing file " + model.getFileName();
                    } else if (!declared.isEmpty() && !declared.equals(sha256(model))) {
                        problem = "sha256 is " + sha256(model) + ", manifest says " + declared;
                    } else if (registry.find(id).isEmpty()) {
                        problem = "manifest rejected (see the gpu-node log with FRAMEGRID_STARTUP_LOG=INFO)";
                    } else {
                        problem = loads(dir, id);
                    }
                    System.out.printf("%-22s %s%n", id, problem == null ? "OK" : "FAILED: " + problem);
                    bad += problem == null ? 0 : 1;
                }
            }
            return bad == 0 ? 0 : 1;
        }
    }

    /** Null when {@code id} loads from {@code dir} as a gpu-node would load it; else why not. */
    static String loads(Path dir, String id) {
        ModelRegistry registry = new ModelRegistry(dir);
        ModelManifest manifest = registry.find(id).orElse(null);
        if (manifest == null) {
            return "its manifest or class names are not accepted";
        }
        if (LipSyncModels.TASK.equals(manifest.task())) {
            // Not a detector: loading it checks the Wav2Lip contract (shapes, then one run on a zero batch).
            try (LipSync lipSync = new LipSyncModels(registry, () -> {
                throw new IllegalStateException("no face detection in a model check");
            }).open(id).orElseThrow(() -> new IllegalStateException("not an active lip-sync model"))) {
                return null;
            } catch (RuntimeException | LinkageError e) {
                return e.getMessage();
            }
        }
        try (Detector detector = new DetectorFactory(registry, ComputeDevice.cpuOnly().kernels()).load(manifest)) {
            return null;
        } catch (RuntimeException | LinkageError e) {
            return e.toString();
        }
    }

    private static Properties shippedFor(String fileName) throws IOException {
        // The shipped manifests of file-backed models (the built-ins need no file).
        for (String id : new String[] {"yolox-nano", "selfie-segmentation", "paddleocr-db-text", "haar-face"}) {
            try (InputStream in = ModelRegistry.class.getResourceAsStream("manifests/" + id + ".properties")) {
                if (in == null) {
                    continue;
                }
                Properties p = new Properties();
                p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                if (fileName.equals(p.getProperty("file", "").trim())) {
                    return p;
                }
            }
        }
        return null;
    }

    private static Properties load(Path manifest) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int fail(String message) {
        System.err.println("framegrid models: " + message);
        return 1;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
