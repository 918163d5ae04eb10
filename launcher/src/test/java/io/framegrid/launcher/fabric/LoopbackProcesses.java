package io.framegrid.launcher.fabric;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.launcher.FramegridProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Role processes and data directories of one multi-process test: whatever a test starts or creates through
 * this extension is stopped (processes first, they hold the directories) and deleted after the test.
 */
final class LoopbackProcesses implements AfterEachCallback {
    private final List<FramegridProcess> processes = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    /** Starts {@code framegrid <args>} from the test classpath; its output lines are prefixed with {@code name}. */
    FramegridProcess start(String name, List<String> args) throws Exception {
        FramegridProcess p = FramegridProcess.fromClasspath(name, args);
        processes.add(p);
        return p;
    }

    /** A new temporary directory, deleted after the test. */
    Path dir(String prefix) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        dirs.add(dir);
        return dir;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (FramegridProcess p : processes) {
            p.close();
        }
        processes.clear();
        for (Path dir : dirs) {
            CoordinatorExtension.deleteRecursively(dir);
        }
        dirs.clear();
    }
}
