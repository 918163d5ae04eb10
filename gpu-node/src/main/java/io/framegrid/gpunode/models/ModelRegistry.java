package io.framegrid.gpunode.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this node can serve: manifests shipped with the engine (applied when their file is present:
 * YOLOX-Nano and selfie segmentation in the models directory, the PaddleOCR detector and Haar cascade from
 * dependency jars, the HOG people detector with no file) plus {@code *.model.properties} manifests in the
 * models directory, which override shipped ones with the same id.
 *
 * <p>A model whose file is missing, or whose digest differs from its manifest's, is left out (and logged).
 * Every available model starts active; deactivated models are listed but not served.
 */
public final class ModelRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    static final List<String> SHIPPED = List.of(
            "yolox-nano", "paddleocr-db-text", "selfie-segmentation", "hog-people", "haar-face");

    /**
     * The task of lip-sync models ({@code engine.lipsync}): listed here with their task like any model, but never
     * a detector, so never the default detector nor one E's model list or routing offers.
     */
    public static final String LIP_SYNC_TASK = "lip-sync";

    private final Path modelsDir;
    private final Map<String, ModelManifest> models;
    private final Set<String> inactive = ConcurrentHashMap.newKeySet();
    private final Map<String, Path> materialised = new ConcurrentHashMap<>();

    /** @param modelsDir the configured models directory; it may be missing (built-in models still register) */
    public ModelRegistry(Path modelsDir) {
        this.modelsDir = modelsDir;
        Map<String, ModelManifest> found = new LinkedHashMap<>();
        for (String id : SHIPPED) {
            Properties p = shippedManifest(id);
            register(found, p, "shipped manifest " + id);
        }
        if (modelsDir != null && Files.isDirectory(modelsDir)) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(modelsDir, "*.model.properties")) {
                for (Path manifest : dir) {
                    try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
                        Properties p = new Properties();
                        p.load(in);
                        register(found, p, manifest.toString());
                    }
                }
            } catch (IOException e) {
                LOG.warn("Cannot read manifests in {}: {}", modelsDir, e.toString());
            }
        }
        this.models = new ConcurrentHashMap<>(found);
        this.orderedIds = new java.util.concurrent.CopyOnWriteArrayList<>(found.keySet());
    }

    private final List<String> orderedIds;

    /**
     * Adds (or replaces) a model while the node runs, from a manifest whose {@code file} is an absolute path; it is
     * served from the next request on (the engine loads models on first use). Empty when the manifest is refused
     * (missing file, digest mismatch, unreadable values), as at start-up.
     */
    public synchronized Optional<ModelManifest> add(Properties manifest) {
        Map<String, ModelManifest> into = new LinkedHashMap<>();
        register(into, manifest, "added manifest " + manifest.getProperty("id", ""));
        into.values().forEach(m -> {
            models.put(m.id(), m);
            if (!orderedIds.contains(m.id())) {
                orderedIds.add(m.id());
            }
        });
        return into.values().stream().findFirst();
    }

    /** Every available model, shipped ones first, in a stable order. */
    public List<ModelManifest> list() {
        return orderedIds.stream().map(models::get).toList();
    }

    public Optional<ModelManifest> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    public boolean isActive(String id) {
        return models.containsKey(id) && !inactive.contains(id);
    }

    /** Serves the model again; false when unknown. */
    public boolean activate(String id) {
        return models.containsKey(id) && (inactive.remove(id) || true);
    }

    /** Stops serving the model (it stays listed); false when unknown. */
    public boolean deactivate(String id) {
        return models.containsKey(id) && (inactive.add(id) || true);
    }

    /** The detector requests without a model id go to: YOLOX when present, else the first active detector. */
    public Optional<String> defaultModelId() {
        if (isActive("yolox-nano")) {
            return Optional.of("yolox-nano");
        }
        return orderedIds.stream().filter(this::isActive).filter(this::isDetector).findFirst();
    }

    /**
     * The ids of the active detection models, in registry order: what a node advertises for detection routing.
     * Lip-sync models are left out, as they take no detect request (the node's ListModels reports them under
     * their own task).
     */
    public List<String> activeDetectorIds() {
        return orderedIds.stream().filter(this::isActive).filter(this::isDetector).toList();
    }

    /** Whether the model finds things in images (every task but lip-sync, which rewrites frames). */
    public boolean isDetector(String id) {
        ModelManifest m = models.get(id);
        return m != null && !LIP_SYNC_TASK.equals(m.task());
    }

    /**
     * A file path for the model's weights, extracting class-path resources to a temporary file once
     * (OpenCV and ONNX Runtime load from paths). Empty for {@code builtin:} models.
     */
    public Optional<Path> localFile(ModelManifest manifest) {
        String file = manifest.file();
        if (file.startsWith("builtin:")) {
            return Optional.empty();
        }
        if (!file.startsWith("classpath:")) {
            return Optional.of(modelsDir == null ? Path.of(file) : modelsDir.resolve(file));
        }
        return Optional.of(materialised.computeIfAbsent(manifest.id(), id -> {
            String resource = file.substring("classpath:".length());
            try (InputStream in = ModelRegistry.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("resource vanished: " + resource);
                }
                String name = resource.substring(resource.lastIndexOf('/') + 1);
                // A directory of its own: DJL treats the model file's folder as the model directory and scans it
                // for jars with block factories, so a shared temp folder holding any jar breaks the load.
                Path folder = Files.createTempDirectory("framegrid-" + id + "-");
                folder.toFile().deleteOnExit();
                Path tmp = folder.resolve(name);
                tmp.toFile().deleteOnExit();
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return tmp;
            } catch (IOException e) {
                throw new IllegalStateException("cannot extract " + resource + ": " + e, e);
            }
        }));
    }

    private void register(Map<String, ModelManifest> into, Properties p, String origin) {
        String id = p.getProperty("id", "").trim();
        String file = p.getProperty("file", "").trim();
        if (id.isEmpty() || file.isEmpty()) {
            LOG.warn("Ignoring {}: id and file are required", origin);
            return;
        }
        try {
            String actual = digest(file);
            if (actual == null) {
                LOG.info("Model {} not available: {} not found", id, file);
                return;
            }
            String declared = p.getProperty("sha256", "").trim().toLowerCase(java.util.Locale.ROOT);
            if (!declared.isEmpty() && !actual.isEmpty() && !declared.equals(actual)) {
                LOG.warn("Model {} left out: {} has sha256 {} but the manifest says {}", id, file, actual, declared);
                return;
            }
            List<String> classes = classNames(p);
            into.put(id, new ModelManifest(id,
                    p.getProperty("name", id),
                    p.getProperty("description", ""),
                    p.getProperty("version", "1"),
                    p.getProperty("task", "object-detection"),
                    p.getProperty("runtime", "onnxruntime"),
                    file,
                    actual,
                    p.getProperty("licence", "unknown"),
                    p.getProperty("input", ""),
                    classes,
                    Float.parseFloat(p.getProperty("threshold", "0.3")),
                    Integer.parseInt(p.getProperty("maxModelBatch", "1")),
                    p.getProperty("origin", "").equals("shipped")));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring {}: {}", origin, e.toString());
        }
    }

    private List<String> classNames(Properties p) throws IOException {
        String inline = p.getProperty("classes", "").trim();
        if (!inline.isEmpty()) {
            return Arrays.stream(inline.split(",")).map(String::trim).toList();
        }
        String classesFile = p.getProperty("classes.file", "").trim();
        if (classesFile.isEmpty()) {
            return List.of();
        }
        Path path = modelsDir == null ? Path.of(classesFile) : modelsDir.resolve(classesFile);
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                names.add(line.trim());
            }
        }
        return names;
    }

    /** Hex sha256 of the weights; "" for builtin models; null when the file is missing. */
    private String digest(String file) throws IOException {
        if (file.startsWith("builtin:")) {
            return "";
        }
        if (file.startsWith("classpath:")) {
            try (InputStream in = ModelRegistry.class.getClassLoader()
                    .getResourceAsStream(file.substring("classpath:".length()))) {
                return in == null ? null : sha256(in);
            }
        }
        if (modelsDir == null && !Path.of(file).isAbsolute()) {
            return null;
        }
        Path path = modelsDir == null ? Path.of(file) : modelsDir.resolve(file);
        if (!Files.isRegularFile(path)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(path)) {
            return sha256(in);
        }
    }

    private static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties shippedManifest(String id) {
        Properties p = new Properties();
        try (InputStream in = ModelRegistry.class.getResourceAsStream("manifests/" + id + ".properties")) {
            if (in == null) {
                throw new IllegalStateException("shipped manifest missing: " + id);
            }
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("origin", "shipped");
        return p;
    }
}
