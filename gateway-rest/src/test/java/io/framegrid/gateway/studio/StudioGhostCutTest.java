package io.framegrid.gateway.studio;

import static io.framegrid.gateway.studio.StudioFixtures.B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.studio.StudioFixtures.User;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GhostCut submissions end to end over HTTP with a real gpu-node (CPU) reading the uploads' duration: the shared
 * {@code counter-text.mp4} (50 s) costs 50 credits, reserved with the job; a second one the remaining 50 cover, a
 * third is 403 and leaves no upload behind; bad annotations are 422, a file that is no video 400, a format outside
 * the list 400. The text removal itself is {@code StudioGhostCutRunTest}'s (these jobs start running here too, and
 * stop with the class's gpu-node).
 */
class StudioGhostCutTest {
    private static final String BOUNDARY = "----framegridstudio";

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of()).withGpuNode();

    private final StudioFixtures fx = new StudioFixtures(gw);

    private static byte[] form(String filename, byte[] file, Map<String, String> fields) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
                    + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(file);
        out.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private Reply post(String path, User u, String filename, byte[] file, Map<String, String> fields) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.uri(B, path))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form(filename, file, fields))), u.auth());
    }

    private static void assertStudioError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().get("error").get("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.json().get("error").get("request_id").asText()).startsWith("req-");
    }

    private int files(User u) {
        return fx.as(u).mediaAsync().list(100, 0).join().getMediaCount();
    }

    @Test
    void ghostCutJobsAreChargedTheVideosStartedSecondsAndRefusedPastTheBalance() throws Exception {
        User u = fx.user("pro");   // 100 credits, 60 requests a minute
        byte[] video = Files.readAllBytes(SharedFiles.media("counter-text.mp4"));
        Reply simple = post("/api/v1/video-editors/ghostcut/simple-inpaint", u, "counter.mp4", video,
                Map.of("display_name", "Counter", "auto_detect", "true"));
        assertThat(simple.status()).as(simple.toString()).isEqualTo(201);
        assertThat(simple.json().get("message").asText()).isEqualTo("Job queued successfully");
        assertThat(simple.json().get("estimated_credits").asInt()).isEqualTo(50);
        String id = simple.json().get("job_id").asText();
        JsonNode detail = gw.get(B, "/api/v1/jobs/" + id, u.auth()).json();
        assertThat(detail.get("job_type").asText()).isEqualTo("ghostcut_simple");
        assertThat(detail.get("display_name").asText()).isEqualTo("Counter");
        assertThat(detail.get("credits_reserved").asInt()).isEqualTo(50);
        assertThat(detail.get("metadata").get("video_duration").asDouble()).isEqualTo(50.0);
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(50);

        String areas = "[{\"start_time\":0.0,\"end_time\":10.0,\"bbox\":{\"x\":100,\"y\":50,\"width\":200,"
                + "\"height\":100},\"type\":\"erasure\"}]";
        Reply annotated = post("/api/v1/video-editors/ghostcut/annotated-inpaint", u, "counter.mp4", video,
                Map.of("annotations", areas));
        assertThat(annotated.status()).as(annotated.toString()).isEqualTo(201);
        JsonNode second = gw.get(B, "/api/v1/jobs/" + annotated.json().get("job_id").asText(), u.auth()).json();
        assertThat(second.get("job_type").asText()).isEqualTo("ghostcut_annotated");
        assertThat(second.get("metadata").get("annotations_count").asInt()).isEqualTo(1);
        // pro: both fit its three concurrent jobs.
        assertThat(second.get("status").asText()).isEqualTo("processing");
        int stored = files(u);

        // The balance is spent: the third is refused, and its upload is not kept.
        Reply refused = post("/api/v1/video-editors/ghostcut/simple-inpaint", u, "counter.mp4", video, Map.of());
        assertStudioError(refused, 403, "INSUFFICIENT_CREDITS");
        assertThat(files(u)).isEqualTo(stored);
        assertThat(gw.get(B, "/api/v1/jobs", u.auth()).json().get("total").asInt()).isEqualTo(2);
    }

    @Test
    void badSubmissionsAreRefusedInBsFormatAndKeepNothing() throws Exception {
        User u = fx.user("pro");
        byte[] video = Files.readAllBytes(SharedFiles.media("counter-text.mp4"));
        String path = "/api/v1/video-editors/ghostcut/annotated-inpaint";
        assertStudioError(post(path, u, "counter.mp4", video, Map.of()), 422, "MISSING_FIELD");
        assertStudioError(post(path, u, "counter.mp4", video, Map.of("annotations", "{}")), 422, "INVALID_ANNOTATIONS");
        Reply backwards = post(path, u, "counter.mp4", video, Map.of("annotations",
                "[{\"start_time\":15.0,\"end_time\":10.0,\"bbox\":{\"x\":1,\"y\":1,\"width\":2,\"height\":2}}]"));
        assertStudioError(backwards, 422, "INVALID_ANNOTATIONS");
        assertThat(backwards.json().get("error").get("details").get("annotation_index").asInt()).isZero();
        assertStudioError(post(path, u, "counter.mp4", video, Map.of("annotations",
                "[{\"start_time\":0,\"end_time\":1,\"bbox\":{\"x\":1,\"y\":1,\"width\":0,\"height\":2}}]")),
                422, "INVALID_ANNOTATIONS");
        assertStudioError(post("/api/v1/video-editors/ghostcut/simple-inpaint", u, "counter.mp4", video,
                Map.of("auto_detect", "maybe")), 422, "INVALID_FIELD");
        assertStudioError(post("/api/v1/video-editors/ghostcut/simple-inpaint", u, "notes.txt",
                "hello".getBytes(StandardCharsets.UTF_8), Map.of()), 400, "INVALID_FORMAT");
        assertStudioError(post("/api/v1/video-editors/ghostcut/simple-inpaint", u, "fake.mp4",
                "not a video at all".getBytes(StandardCharsets.UTF_8), Map.of()), 400, "INVALID_VIDEO");
        assertStudioError(gw.postJson(B, "/api/v1/video-editors/ghostcut/simple-inpaint", "{}", u.auth()),
                422, "UNSUPPORTED_CONTENT_TYPE");
        assertThat(gw.send(HttpRequest.newBuilder(gw.uri(B, "/api/v1/video-editors/ghostcut/simple-inpaint"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form("a.mp4", video, Map.of())))).status()).isEqualTo(401);
        // Nothing was kept of any refused submission, and no job was stored or charged.
        assertThat(files(u)).isZero();
        assertThat(gw.get(B, "/api/v1/jobs", u.auth()).json().get("total").asInt()).isZero();
        assertThat(gw.get(B, "/api/v1/users/credits", u.auth()).json().get("credits").asInt()).isEqualTo(100);
    }
}
