package io.framegrid.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.sdk.detection.DetectionClient;
import io.framegrid.sdk.reconstruction.ReconstructionClient;
import io.framegrid.sdk.reframer.ReframerClient;
import org.junit.jupiter.api.Test;

/** Typed product clients found through their factories' services files. */
class ProductClientsTest {
    @Test
    void aProductsClientComesFromItsFactoryOnEveryCredentialView() {
        // No call is made: the channel connects lazily, so no server is needed.
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:1").build()) {
            assertThat(client.product(ReframerClient.class)).isInstanceOf(ReframerClient.class);
            assertThat(client.withApiKey("key").product(ReframerClient.class)).isInstanceOf(ReframerClient.class);
            assertThat(client.withBearerToken("token").product(ReframerClient.class)).isNotNull();
            assertThat(client.withBearerToken("token").product(DetectionClient.class))
                    .isInstanceOf(DetectionClient.class);
            assertThat(client.withBearerToken("token").product(io.framegrid.sdk.studio.StudioClient.class))
                    .isInstanceOf(io.framegrid.sdk.studio.StudioClient.class);
            assertThat(client.withBearerToken("token").product(ReconstructionClient.class))
                    .isInstanceOf(ReconstructionClient.class);
        }
    }

    @Test
    void aTypeNoFactoryMakesIsRefused() {
        try (FramegridClient client = FramegridClient.builder("127.0.0.1:1").build()) {
            assertThatThrownBy(() -> client.product(String.class)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.String");
        }
    }
}
