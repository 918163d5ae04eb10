package io.framegrid.config.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where the tests read shared media and models from. */
class SharedFilesTest {
    @Test
    void theEnvironmentVariableWinsOverTheBuildsDefault() {
        String env = System.getenv("FRAMEGRID_SHARED");
        assumeTrue(env != null && !env.isBlank(), "FRAMEGRID_SHARED is not set");
        assertThat(System.getProperty("framegrid.shared", "")).isBlank();
        assertThat(SharedFiles.root()).isEqualTo(Path.of(env).toAbsolutePath().normalize());
    }

    @Test
    void withoutTheVariableTheBuildPointsAtTheSharedFolderBesideTheRepository() {
        assumeTrue(System.getenv("FRAMEGRID_SHARED") == null, "FRAMEGRID_SHARED is set");
        assertThat(System.getProperty("framegrid.shared")).endsWith("/../shared");
        assertThat(SharedFiles.root().getFileName()).hasToString("shared");
    }
}
