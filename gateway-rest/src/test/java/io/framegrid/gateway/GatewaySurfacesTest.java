package io.framegrid.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.Settings;
import io.framegrid.gateway.http.GatewaySurface;
import org.junit.jupiter.api.Test;

/** The gateway's surfaces come from the ServiceLoader, one plug-in per documented {@code gateway.<name>.port}. */
class GatewaySurfacesTest {
    @Test
    void everyDocumentedSurfaceHasOnePlugInAndEveryPlugInItsKeys() {
        FramegridConfig.Gateway gateway = FramegridConfig.from(Settings.defaults()).gateway();
        assertThat(GatewayServer.installedSurfaces()).extracting(GatewaySurface::name)
                .containsExactlyElementsOf(gateway.surfaceNames())
                .containsExactly("studio", "annotation", "reframer", "reconstruction", "detection");
        for (GatewaySurface surface : GatewayServer.installedSurfaces()) {
            assertThat(surface.conventions().name()).isEqualTo(surface.name());
        }
    }
}
