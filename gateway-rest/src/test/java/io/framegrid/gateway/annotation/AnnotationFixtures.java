package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.annotation.v1.Video;
import java.time.Duration;
import java.util.UUID;

/** Surface A test helpers over a running gateway: annotators, the pool, A's error shape. */
final class AnnotationFixtures {
    private final GatewayExtension gw;

    AnnotationFixtures(GatewayExtension gw) {
        this.gw = gw;
    }

    /** A signed-in annotator. */
    record Annotator(String userId, String token) {
        String[] bearer() {
            return new String[] {"Authorization", "Bearer " + token};
        }
    }

    Annotator annotator() {
        String name = "ann" + UUID.randomUUID().toString().substring(0, 8);
        String email = name + "@example.com";
        Reply reg = gw.postJson("annotation", "/api/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + email + "\",\"password\":\"Annotate123\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        return login(email, "Annotate123");
    }

    Annotator admin() {
        return login("admin@framegrid.local", "AdminPass123");
    }

    private Annotator login(String email, String password) {
        Reply login = gw.postJson("annotation", "/api/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        return new Annotator(login.json().get("user_id").asText(), login.json().get("access_token").asText());
    }

    /**
     * A video straight into the grid's pool, as {@code upload_video} leaves it after its probe (the upload itself is
     * {@code AnnotationDataTest}'s; the lock tests need many videos without a gpu-node). Each seed is uploaded one
     * test-clock millisecond after the previous one: the pool is served oldest first with ties broken by the (random)
     * id, so two seeds within one millisecond came out in either order.
     */
    String seed(String title) {
        gw.coordinator().clock().advance(Duration.ofMillis(1));
        String id = UUID.randomUUID().toString();
        gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS).put(id, Video.newBuilder()
                .setVideoId(id).setTitle(title).setUploaderId("seed").setUploadDateMs(gw.coordinator().clock().millis())
                .setFrames(250).setFps(25).setDurationMs(10_000).setSizeBytes(1000).build().toByteArray());
        return id;
    }

    Video stored(String id) throws Exception {
        return Video.parseFrom(gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS).get(id));
    }

    /** Commits every free video of the pool as a bystander, so a test sees only the videos it seeds. */
    void drainPool() {
        Annotator bystander = annotator();
        while (true) {
            Reply next = gw.get("annotation", "/api/videos/next_unannotated?lock=true", bystander.bearer());
            if (next.status() == 404) {
                return;
            }
            assertThat(next.status()).as(next.toString()).isEqualTo(200);
            Reply commit = gw.postJson("annotation", "/api/annotations/" + next.json().get("video_id").asText()
                    + "/commit", "{\"annotations\":[]}", bystander.bearer());
            assertThat(commit.status()).as(commit.toString()).isEqualTo(200);
        }
    }

    private static final String BOUNDARY = "----framegridfixtures";

    /** A multipart POST of text fields and one file part ({@code fileField} = {@code file}, as UTF-8). */
    Reply multipart(String path, Annotator who, String fileField, String file, String... fields) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            body.append("--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; name=\"").append(fields[i])
                    .append("\"\r\n\r\n").append(fields[i + 1]).append("\r\n");
        }
        if (fileField != null) {
            body.append("--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; name=\"").append(fileField)
                    .append("\"; filename=\"data.txt\"\r\nContent-Type: text/plain\r\n\r\n").append(file).append("\r\n");
        }
        body.append("--").append(BOUNDARY).append("--\r\n");
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(gw.uri("annotation", path))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString()));
        return who == null ? gw.send(b) : gw.send(b, who.bearer());
    }

    static void assertError(Reply reply, int status) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("status").asText()).isEqualTo("error");
        assertThat(reply.json().get("message").asText()).isNotBlank();
    }
}
