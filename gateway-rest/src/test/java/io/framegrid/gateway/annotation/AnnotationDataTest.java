package io.framegrid.gateway.annotation;

import static io.framegrid.gateway.annotation.AnnotationFixtures.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.framegrid.gpunode.media.MediaDecoder;
import io.framegrid.gpunode.media.MediaInfo;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.v1.Video;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface A's data routes end to end: a real coordinator, a real gpu-node (which probes uploads as cluster jobs) in
 * the same private grid, and the gateway. Uploads real media from the shared media folder.
 */
class AnnotationDataTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.annotation.max-upload-mb", 10)).withGpuNode();

    private static final String BOUNDARY = "----framegridannotation";
    private static Annotator owner;
    /** vtest.avi, uploaded once through the API for the CSV tests. */
    private static String videoId;

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    @BeforeAll
    static void prepare() throws Exception {
        owner = new AnnotationFixtures(gw).annotator();
        Reply up = upload(owner, "video_file", "vtest.avi", Files.readAllBytes(SharedFiles.media("vtest.avi")));
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
        videoId = up.json().get("video_id").asText();
    }

    private static Reply multipart(String path, Annotator who, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("annotation", path))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return who == null ? gw.send(b) : gw.send(b, who.bearer());
    }

    private static byte[] filePart(String field, String filename, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private static byte[] textPart(String field, String value) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] form(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private static Reply upload(Annotator who, String field, String filename, byte[] content) {
        return multipart("/api/data/upload_video", who, form(filePart(field, filename, content)));
    }

    private static Reply csv(Annotator who, String video, String text) {
        return multipart("/api/data/upload_csv", who, form(textPart("video_id", video),
                filePart("csv_file", "drive.csv", text.getBytes(StandardCharsets.UTF_8))));
    }

    private static JsonNode locations(String video) {
        Reply r = gw.get("annotation", "/api/geolocation/" + video, owner.bearer());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("video_id").asText()).isEqualTo(video);
        return r.json().get("locations");
    }

    /**
     * An upload over a raw HTTP/1.1 socket (the JDK client cannot read a reply sent before its body is done):
     * {@code declared} bytes of file in the Content-Length, or streamed chunked; returns the reply's start.
     */
    private static String raw(Annotator who, long bytes, boolean chunked) throws java.io.IOException {
        java.net.URI uri = gw.uri("annotation", "/api/data/upload_video");
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"video_file\"; filename=\"big.mp4\""
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            var out = socket.getOutputStream();
            out.write(("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nAuthorization: Bearer "
                    + who.token() + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + (bytes + head.length) + "\r\n")
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
            if (chunked) {
                byte[] block = new byte[256 << 10];
                try {
                    chunk(out, head);
                    for (long sent = 0; sent < bytes; sent += block.length) {
                        chunk(out, block);
                    }
                } catch (java.io.IOException closedByServer) {
                    // The gateway may refuse and close before the client is done sending.
                }
            } else {
                out.write(head);
            }
            out.flush();
            // Up to the end of the JSON error body (or the connection's end): the server may keep the connection open.
            StringBuilder reply = new StringBuilder();
            byte[] buffer = new byte[4096];
            int n;
            while (!reply.toString().contains("}") && (n = socket.getInputStream().read(buffer)) > 0) {
                reply.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            return reply.toString();
        }
    }

    private static void chunk(java.io.OutputStream out, byte[] data) throws java.io.IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private long mediaOf(String userId) {
        return gw.coordinator().server().mediaLibrary().list(userId).size();
    }

    @Test
    void aVideoIsStreamedProbedOnAGpuNodeAndJoinsThePool() throws Exception {
        Path file = SharedFiles.media("vtest.avi");
        Annotator alice = fx.annotator();
        Reply up = upload(alice, "video_file", "vtest.avi", Files.readAllBytes(file));
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
        JsonNode v = up.json();
        assertThat(v.get("status").asText()).isEqualTo("success");
        assertThat(v.get("message").asText()).isEqualTo("Video uploaded successfully");
        assertThat(v.get("title").asText()).isEqualTo("vtest");
        assertThat(v.get("uploader").asText()).isEqualTo(alice.userId());
        assertThat(v.get("upload_date").asLong()).isPositive();
        assertThat(v.get("size_bytes").asLong()).isEqualTo(Files.size(file));
        MediaInfo info = new MediaDecoder().probe(file);
        assertThat(v.get("frames").asLong()).isEqualTo(info.frameCount());
        assertThat(v.get("fps").asDouble()).isCloseTo(info.fps(), org.assertj.core.data.Offset.offset(0.01));
        assertThat(v.get("duration_ms").asLong()).isCloseTo(Math.round(info.durationSeconds() * 1000),
                org.assertj.core.data.Offset.offset(50L));
        String id = v.get("video_id").asText();
        // The probe ran as a cluster job of the uploader's, completed by the gpu-node.
        var jobs = gw.coordinator().client().withBearerToken(alice.token()).jobs().list(
                io.framegrid.proto.jobs.v1.ListJobsRequest.newBuilder().setType(AnnotationContract.PROBE).build());
        assertThat(jobs.getJobsList()).singleElement().satisfies(job -> {
            assertThat(job.getStatus()).isEqualTo(io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_COMPLETED);
            assertThat(job.getMetadataMap()).containsEntry(AnnotationContract.MEDIA_ID, id);
        });
        assertThat(gw.coordinator().server().mediaLibrary().get(id).orElseThrow().getProbeMap())
                .containsEntry(AnnotationContract.FRAMES, Long.toString(info.frameCount()));
        Video stored = fx.stored(id);
        assertThat(stored.getAnnotated()).isFalse();
        assertThat(stored.getFrames()).isEqualTo(info.frameCount());
        // One shared pool: another annotator may lock it.
        Reply started = gw.postJson("annotation", "/api/annotations/" + id + "/start", "{}", fx.annotator().bearer());
        assertThat(started.status()).as(started.toString()).isEqualTo(200);
    }

    @Test
    void aFileThatIsNoVideoIs400AndNothingStays() {
        Annotator alice = fx.annotator();
        byte[] junk = new byte[200_000];
        new java.util.Random(7).nextBytes(junk);
        Reply up = upload(alice, "video_file", "dashcam.mp4", junk);
        assertError(up, 400);
        assertThat(up.json().get("message").asText()).contains("not a readable video");
        // The gpu-node refused it in its probe job; the upload was deleted again.
        assertThat(gw.coordinator().client().withBearerToken(alice.token()).jobs().list(
                io.framegrid.proto.jobs.v1.ListJobsRequest.newBuilder().setType(AnnotationContract.PROBE).build())
                .getJobsList()).singleElement().extracting(io.framegrid.proto.jobs.v1.Job::getStatus)
                .isEqualTo(io.framegrid.proto.jobs.v1.JobStatus.JOB_STATUS_FAILED);
        assertThat(mediaOf(alice.userId())).isZero();
    }

    @Test
    void formatSizeFieldAndTokenAreChecked() throws Exception {
        Annotator alice = fx.annotator();
        assertError(upload(alice, "video_file", "notes.txt", "hello".getBytes(StandardCharsets.UTF_8)), 400);
        assertError(upload(alice, "file", "drive.mp4", "hello".getBytes(StandardCharsets.UTF_8)), 400);
        assertError(upload(null, "video_file", "drive.mp4", "hello".getBytes(StandardCharsets.UTF_8)), 401);
        // Declared larger than the cap: refused before the body is read.
        assertThat(raw(alice, 11L << 20, false)).startsWith("HTTP/1.1 413")
                .contains("File size exceeds 10MB limit").contains("\"status\":\"error\"");
        // Undeclared (chunked): counted as it streams, refused past the cap, and what was stored is deleted.
        assertThat(raw(alice, 12L << 20, true)).startsWith("HTTP/1.1 413");
        assertThat(mediaOf(alice.userId())).isZero();
    }

    @Test
    void aCsvIsReadInItsUnitsAndServedAsGeolocation() {
        Reply r = csv(owner, videoId, "time_s,speed_kmh,lat,lng\n0,36,55.7500,37.6100\n0.5,72,55.7501,37.6102\n"
                + "1.25,,55.7502,37.6104\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("success");
        assertThat(r.json().get("message").asText()).isEqualTo("CSV data uploaded successfully");
        JsonNode locs = locations(videoId);
        assertThat(locs).hasSize(3);
        assertThat(locs.get(1).get("timestamp").asLong()).isEqualTo(500);
        assertThat(locs.get(2).get("timestamp").asLong()).isEqualTo(1250);
        assertThat(locs.get(1).get("latitude").asDouble()).isEqualTo(55.7501);
        assertThat(locs.get(1).get("longitude").asDouble()).isEqualTo(37.6102);
        var points = gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_TELEMETRY).get(videoId);
        assertThat(points).isNotNull();
    }

    @Test
    void isoTimestampsCountFromTheFirstRow() {
        Reply r = csv(owner, videoId, "timestamp,speed,latitude,longitude\n2026-03-01T10:00:00Z,10,1.0,2.0\n"
                + "2026-03-01T10:00:01.250Z,11,1.5,2.5\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode locs = locations(videoId);
        assertThat(locs.get(0).get("timestamp").asLong()).isZero();
        assertThat(locs.get(1).get("timestamp").asLong()).isEqualTo(1250);
    }

    @Test
    void anInvalidRowRejectsTheWholeFileNamingItsLinesAndTheEarlierUploadStays() {
        assertThat(csv(owner, videoId, "t,speed_mps,lat,lon\n0,10,10.0,20.0\n100,11,10.1,20.1\n").status())
                .isEqualTo(200);
        Reply bad = csv(owner, videoId, "t,speed_mps,lat,lon\n0,10,10.0,20.0\n100,fast,10.1,20.1\n200,12,10.2,20.2\n"
                + "300,13,95,20.3\n");
        assertError(bad, 400);
        assertThat(bad.json().get("message").asText()).contains("line 3").contains("line 5")
                .doesNotContain("line 2").doesNotContain("line 4");
        JsonNode kept = locations(videoId);
        assertThat(kept).hasSize(2);
        assertThat(kept.get(1).get("latitude").asDouble()).isEqualTo(10.1);

        // A good second upload replaces the first whole.
        assertThat(csv(owner, videoId, "timestamp,speed,latitude,longitude\n5,1,40.0,50.0\n").status()).isEqualTo(200);
        JsonNode replaced = locations(videoId);
        assertThat(replaced).hasSize(1);
        assertThat(replaced.get(0).get("timestamp").asLong()).isEqualTo(5);
        assertThat(replaced.get(0).get("latitude").asDouble()).isEqualTo(40.0);
    }

    @Test
    void csvHeaderFieldsAndVideoAreChecked() {
        Reply noHeader = csv(owner, videoId, "0,10,10.0,20.0\n100,11,10.1,20.1\n");
        assertError(noHeader, 400);
        assertThat(noHeader.json().get("message").asText()).contains("line 1");
        assertError(csv(owner, videoId, "timestamp,latitude\n0,10.0\n"), 400);
        Reply fraction = csv(owner, videoId, "timestamp,speed\n0,1\n1.5,2\n");
        assertError(fraction, 400);
        assertThat(fraction.json().get("message").asText()).contains("line 3");
        assertError(csv(owner, videoId, "timestamp,speed\n0,1,7\n"), 400);
        assertError(csv(owner, videoId, ""), 400);
        assertError(csv(owner, "no-such-video", "timestamp,speed\n0,1\n"), 404);
        assertError(multipart("/api/data/upload_csv", owner, form(textPart("video_id", videoId))), 400);
        assertError(csv(null, videoId, "timestamp,speed\n0,1\n"), 401);
        assertError(gw.get("annotation", "/api/geolocation/no-such-video", owner.bearer()), 404);
    }
}
