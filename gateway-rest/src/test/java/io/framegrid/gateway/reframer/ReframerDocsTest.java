package io.framegrid.gateway.reframer;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.docs.DocService;
import io.framegrid.config.FramegridConfig;
import io.framegrid.gateway.http.Endpoints;
import io.framegrid.gateway.http.Surface;
import io.framegrid.sdk.FramegridClient;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reframer's job routes are annotated services: a DocService beside them lists every one. */
class ReframerDocsTest {

    @Test
    void aDocServiceListsEveryJobRoute() {
        // No call reaches the client: documenting the routes needs none.
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:1").build()) {
            ServerBuilder sb = Server.builder().http(0);
            new ReframerJobRoutes(client, new ReframerLimits(100, 10, 500, Duration.ofSeconds(30)),
                    Clock.systemUTC()).configure(sb, new Endpoints(ReframerSurface.CONVENTIONS));
            sb.serviceUnder("/docs", DocService.builder().build());
            Server server = sb.build();
            server.start().join();
            try {
                String spec = WebClient.of("http://127.0.0.1:" + server.activeLocalPort())
                        .get("/docs/specification.json").aggregate().join().contentUtf8();
                assertThat(spec).contains("ReframerUploads", "ReframerQueries", "exact:/process", "/job/:job_id",
                        "\"/results/:job_id\"", "/results/:job_id/video", "exact:/videos", "x-api-key");
            } finally {
                server.stop().join();
            }
        }
    }
}
