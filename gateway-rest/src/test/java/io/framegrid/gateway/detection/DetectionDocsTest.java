package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** E's detection routes are annotated services: a DocService beside them lists every one under both prefixes. */
class DetectionDocsTest {

    @Test
    void aDocServiceListsEveryDetectionRoute() {
        // No call reaches the client: documenting the routes needs none.
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:1").build()) {
            ServerBuilder sb = Server.builder().http(0);
            new DetectionApiRoutes(client, new DetectionLimits(100, 20, 50_000_000L, 2, 30, 8), Clock.systemUTC(),
                    new io.framegrid.observability.Telemetry(new io.prometheus.metrics.model.registry.PrometheusRegistry()))
                    .configure(sb, new Endpoints(DetectionSurface.CONVENTIONS));
            sb.serviceUnder("/docs", DocService.builder().build());
            Server server = sb.build();
            server.start().join();
            try {
                String spec = WebClient.of("http://127.0.0.1:" + server.activeLocalPort())
                        .get("/docs/specification.json").aggregate().join().contentUtf8();
                assertThat(spec).contains("DetectionUploads", "DetectionQueries", "DetectionSettingsRoutes",
                        "DetectionModels", "exact:/api/detection/upload", "exact:/api/v1/detection/upload",
                        "/api/detection/results/:detection_id", "exact:/api/v1/detection/list",
                        "exact:/api/settings", "exact:/api/v1/models/active");
            } finally {
                server.stop().join();
            }
        }
    }
}
