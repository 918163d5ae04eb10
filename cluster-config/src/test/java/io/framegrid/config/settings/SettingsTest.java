package io.framegrid.config.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.config.FramegridConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsServeTheStandaloneCluster() {
        FramegridConfig config = FramegridConfig.from(Settings.defaults());
        assertThat(config.coordinator().port()).isEqualTo(9090);
        assertThat(config.gateway().surface("studio").port()).isEqualTo(8000);
        assertThat(config.gateway().surface("annotation").port()).isEqualTo(8001);
        assertThat(config.gateway().surface("reframer").port()).isEqualTo(8002);
        assertThat(config.gateway().surface("reconstruction").port()).isEqualTo(8003);
        assertThat(config.gateway().surface("detection").port()).isEqualTo(8004);
        assertThat(config.metrics().port()).isEqualTo(9464);
        assertThat(config.identity().accessTokenTtl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.grid().discoveryAddresses()).containsExactly("127.0.0.1:47500..47509");
        assertThat(config.grid().persistenceEnabled()).isTrue();
    }

    @Test
    void everyKeyIsDocumentedWithACommentAboveIt() throws IOException {
        List<String> lines;
        try (InputStream in = Settings.class.getResourceAsStream(Settings.REFERENCE_RESOURCE)) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (!line.isEmpty() && !line.startsWith("#")) {
                assertThat(i).as("key on line %d has no comment", i + 1).isPositive();
                assertThat(lines.get(i - 1).trim()).as("documentation of %s", line).startsWith("# ").hasSizeGreaterThan(12);
            }
        }
        assertThat(Settings.referenceKeys()).hasSizeGreaterThan(30);
    }

    @Test
    void layersApplyInOrderFileThenEnvironmentThenSystemProperties() throws IOException {
        Path file = dir.resolve("framegrid.properties");
        Files.writeString(file, "gateway.studio.port=18000\ngateway.detection.port=18004\ncoordinator.grpc.port=19090\n");
        Properties sys = new Properties();
        sys.setProperty("framegrid.coordinator.grpc.port", "29090");
        Settings settings = Settings.builder()
                .file(file)
                .environment(Map.of("FRAMEGRID_GATEWAY_DETECTION_PORT", "28004", "FRAMEGRID_UNRELATED", "x"))
                .systemProperties(sys)
                .build();
        FramegridConfig config = FramegridConfig.from(settings);
        assertThat(config.gateway().surface("studio").port()).isEqualTo(18000);
        assertThat(config.gateway().surface("detection").port()).isEqualTo(28004);
        assertThat(config.coordinator().port()).isEqualTo(29090);
    }

    @Test
    void gatewaySurfacesAreReadByTheirName() {
        Settings settings = Settings.builder()
                .environment(Map.of("FRAMEGRID_GATEWAY_REFRAMER_REQUESTS_PER_HOUR", "7"))
                .set("gateway.reframer.port", 18002)
                .build();
        FramegridConfig.Gateway gateway = FramegridConfig.from(settings).gateway();
        assertThat(gateway.surfaceNames()).containsExactly("studio", "annotation", "reframer", "reconstruction", "detection");
        FramegridConfig.Gateway.SurfaceSettings reframer = gateway.surface("reframer");
        assertThat(reframer.port()).isEqualTo(18002);
        assertThat(reframer.positiveInt("requests-per-hour")).isEqualTo(7);
        assertThat(reframer.duration("probe-timeout")).isEqualTo(Duration.ofSeconds(60));
        assertThat(reframer.positiveInt("max-upload-mb")).isEqualTo(500);
        assertThat(gateway.withCoordinatorTarget("10.0.0.1:9090").surface("reframer").port()).isEqualTo(18002);
        assertThatThrownBy(() -> gateway.surface("nosuch").port())
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nosuch.port");
        assertThatThrownBy(() -> FramegridConfig.from(Settings.builder().set("gateway.reframer.concurrent-uploads", 0)
                .build()).gateway().surface("reframer").positiveInt("concurrent-uploads"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.reframer.concurrent-uploads");
    }

    @Test
    void environmentNamesFollowTheDocumentedRule() {
        assertThat(Settings.envName("gateway.studio.port")).isEqualTo("FRAMEGRID_GATEWAY_STUDIO_PORT");
        assertThat(Settings.envName("gpu-node.grpc.port")).isEqualTo("FRAMEGRID_GPU_NODE_GRPC_PORT");
    }

    @Test
    void unknownKeysInAFileAreRejectedByName() throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "gateway.studio.prot=1\n");
        assertThatThrownBy(() -> Settings.builder().file(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.studio.prot");
        assertThatThrownBy(() -> Settings.builder().set("no.such.key", 1)).isInstanceOf(ConfigException.class);
    }

    @Test
    void malformedValuesNameTheirKey() {
        assertThatThrownBy(() -> FramegridConfig.from(Settings.builder().set("coordinator.grpc.port", "ninety").build()))
                .hasMessageContaining("coordinator.grpc.port");
        assertThatThrownBy(() -> FramegridConfig.from(Settings.builder().set("gateway.studio.port", 70000).build()))
                .hasMessageContaining("gateway.studio.port");
        assertThatThrownBy(() -> FramegridConfig.from(Settings.builder().set("identity.access-token-ttl", "soon").build()))
                .hasMessageContaining("identity.access-token-ttl");
        assertThatThrownBy(() -> FramegridConfig.from(Settings.builder().set("grid.persistence.enabled", "maybe").build()))
                .hasMessageContaining("grid.persistence.enabled");
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertThat(Settings.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Settings.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Settings.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Settings.parseDuration("14d")).isEqualTo(Duration.ofDays(14));
        assertThat(Settings.parseDuration("PT30M")).isEqualTo(Duration.ofMinutes(30));
    }
}
