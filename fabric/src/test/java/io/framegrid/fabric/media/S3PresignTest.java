package io.framegrid.fabric.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.Settings;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** The S3 store's presigned GETs (computed locally, no S3 server needed): path-style, on the configured endpoint. */
class S3PresignTest {
    @Test
    void aPresignedGetNamesTheBlobOnTheEndpointAndExpiresAsAsked() {
        FramegridConfig.Media media = FramegridConfig.from(Settings.builder()
                .set("media.store", "s3").set("media.s3.endpoint", "http://127.0.0.1:9000")
                .set("media.s3.access-key", "minio").set("media.s3.secret-key", "minio-secret")
                .set("media.s3.region", "us-east-1").build()).media();
        try (S3Presigner presigner = S3BlobStore.presigner(media)) {
            URI url = S3BlobStore.presign(presigner, "framegrid-media", "user-1/media-2", Duration.ofMinutes(30));
            assertThat(url.getScheme()).isEqualTo("http");
            assertThat(url.getAuthority()).isEqualTo("127.0.0.1:9000");
            assertThat(url.getPath()).isEqualTo("/framegrid-media/user-1/media-2");
            assertThat(url.getQuery()).contains("X-Amz-Expires=1800").contains("X-Amz-Signature=")
                    .contains("X-Amz-Credential=minio/");
        }
    }
}
