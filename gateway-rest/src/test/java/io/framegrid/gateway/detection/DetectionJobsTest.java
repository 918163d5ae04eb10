package io.framegrid.gateway.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.config.local.SharedFiles;
import io.framegrid.config.settings.Settings;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.detection.DetectionContract;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surface E's detection slice end to end over HTTP: a real coordinator, a real gpu-node (task worker, YOLOX-Nano
 * from the shared models, CPU only) in the same private grid, and the gateway with its reference limits (20 MB,
 * 100 requests per minute). Real images from the shared media.
 */
class DetectionJobsTest {
    private static final String E = "detection";
    private static final String BOUNDARY = "----framegriddetection";

    @RegisterExtension
    static final GatewayExtension gateway = new GatewayExtension(Map.of()).withGpuNode();

    // ---- detection ---------------------------------------------------------------------------------------

    @Test
    void anUploadedImageIsDetectedWithBoxesInItsOwnPixels() throws Exception {
        String token = user();
        Reply up = upload("/api/v1", token, "dog.jpg", image("dog.jpg"));
        assertThat(up.status()).as(up.toString()).isEqualTo(200);
        assertThat(up.json().get("message").asText()).isEqualTo("Image uploaded and detection initiated");
        String id = up.json().get("detection_id").asText();

        Reply first = gateway.get(E, "/api/detection/results/" + id, auth(token));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("status").asText()).isIn("processing", "completed");

        JsonNode done = awaitDone(token, id);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("detection_id").asText()).isEqualTo(id);
        assertThat(done.get("model_id").asText()).isEqualTo("yolox-nano");
        // dog.jpg is 768x576: every box lies inside it, in its own pixels.
        assertThat(done.get("image_width").asInt()).isEqualTo(768);
        assertThat(done.get("image_height").asInt()).isEqualTo(576);
        List<String> classes = new ArrayList<>();
        for (JsonNode o : done.get("results")) {
            classes.add(o.get("class").asText());
            JsonNode box = o.get("bbox");
            assertThat(box).hasSize(4);
            assertThat(box.get(0).asInt()).isBetween(0, 768);
            assertThat(box.get(1).asInt()).isBetween(0, 576);
            assertThat(box.get(0).asInt() + box.get(2).asInt()).isLessThanOrEqualTo(768);
            assertThat(box.get(1).asInt() + box.get(3).asInt()).isLessThanOrEqualTo(576);
            assertThat(box.get(2).asInt()).isPositive();
            assertThat(o.get("confidence").asDouble()).isBetween(0.5, 1.0);
        }
        assertThat(classes).contains("dog");
        // The default settings ask for a GPU; this cluster has none, so it ran on the CPU and says so.
        assertThat(done.get("device").asText()).isEqualTo("cpu");
        assertThat(done.get("note").asText()).isEqualTo(DetectionContract.CPU_NOTE);

        // The same detection reads the same under both prefixes.
        assertThat(gateway.get(E, "/api/v1/detection/results/" + id, auth(token)).json()).isEqualTo(done);
        // The results ride in the task's commit: the user's media holds the uploaded image and nothing else.
        assertThat(gateway.coordinator().client().withBearerToken(token).mediaAsync()
                .list(50, 0).join().getMediaList())
                .extracting(io.framegrid.proto.media.v1.Media::getFilename).containsExactly("dog.jpg");
    }

    @Test
    void aHigherThresholdNeverReturnsObjectsBelowIt() throws Exception {
        String token = user();
        byte[] horses = image("horses.jpg");
        assertThat(putSettings(token, "{\"confidenceThreshold\":0.1}").status()).isEqualTo(200);
        JsonNode low = awaitDone(token, detectionId(upload("/api", token, "horses.jpg", horses)));
        assertThat(putSettings(token, "{\"confidenceThreshold\":0.7}").status()).isEqualTo(200);
        JsonNode high = awaitDone(token, detectionId(upload("/api", token, "horses.jpg", horses)));

        assertThat(low.get("confidence_threshold").asDouble()).isEqualTo(0.1);
        assertThat(high.get("confidence_threshold").asDouble()).isEqualTo(0.7);
        List<Double> lows = confidences(low);
        List<Double> highs = confidences(high);
        assertThat(lows).anyMatch(c -> c < 0.7).allMatch(c -> c >= 0.1);
        assertThat(highs).isNotEmpty().allMatch(c -> c >= 0.7);
        assertThat(highs.size()).isLessThan(lows.size());
    }

    @Test
    void aHeaderThatLiesFailsTheDetectionOnTheNode() throws Exception {
        String token = user();
        // A valid PNG header over a body that is no image: accepted at upload, refused by the decoder.
        byte[] fake = concat(pngHeader(64, 48), "not really pixels".getBytes(StandardCharsets.UTF_8));
        String id = detectionId(upload("/api", token, "broken.png", fake));
        JsonNode failed = awaitDone(token, id);
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("not a decodable image");
        assertThat(failed.get("results")).isEmpty();
    }

    @Test
    void uploadsRefuseWhatIsNoImageOrTooLarge() throws Exception {
        String token = user();
        assertError(upload("/api", token, "notes.txt", "hello".getBytes(StandardCharsets.UTF_8)), 400, "INVALID_IMAGE");
        assertError(upload("/api", token, "huge.png", pngHeader(100_000, 100_000)), 400, "IMAGE_TOO_LARGE");
        // Over 20 MB, declared up front: refused before the body is read.
        try (java.net.Socket socket = socket()) {
            byte[] head = formHead("image", "big.jpg");
            long length = head.length + (21L << 20);
            write(socket, "POST /api/detection/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nContent-Length: " + length
                    + "\r\n\r\n");
            socket.getOutputStream().write(head);
            String reply = readReply(socket);
            assertThat(reply).startsWith("HTTP/1.1 413").contains("\"code\":\"FILE_TOO_LARGE\"")
                    .contains("File size exceeds 20MB limit");
        }
        // Over 20 MB without a declared length (chunked): stopped once the counted bytes pass it.
        try (java.net.Socket socket = socket()) {
            write(socket, "POST /api/detection/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            writeChunk(socket, formHead("image", "endless.jpg"));
            byte[] block = new byte[256 << 10];
            try {
                for (int i = 0; i < 88; i++) {
                    writeChunk(socket, block);
                }
            } catch (java.io.IOException closedByServer) {
                // The gateway may answer and close before the client is done sending.
            }
            assertThat(readReply(socket)).startsWith("HTTP/1.1 413").contains("\"code\":\"FILE_TOO_LARGE\"");
        }
        // No 'image' field, and a body that is not a form at all.
        assertError(upload("/api", token, "file", "dog.jpg", image("dog.jpg")), 400, "MISSING_IMAGE");
        assertError(gateway.postJson(E, "/api/detection/upload", "{}", auth(token)), 400, "INVALID_REQUEST");
        // A form cut off before its closing boundary: the image inside it came whole, the form did not.
        byte[] whole = form("dog.jpg", image("dog.jpg"));
        assertError(gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, "/api/detection/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                        java.util.Arrays.copyOf(whole, whole.length - BOUNDARY.length() - 8))), auth(token)),
                400, "INVALID_MULTIPART");
        // Nothing was queued for any of them.
        assertThat(gateway.get(E, "/api/detection/list", auth(token)).json().get("total").asInt()).isZero();
    }

    // ---- list and isolation ------------------------------------------------------------------------------

    @Test
    void theListPagesTheCallersDetectionsNewestFirst() throws Exception {
        String token = user();
        List<String> ids = new ArrayList<>();
        for (String name : List.of("messi5.jpg", "fruits.jpg", "basketball1.png")) {
            ids.add(detectionId(upload("/api", token, name, image(name))));
        }
        ids.forEach(id -> awaitDone(token, id));

        JsonNode first = gateway.get(E, "/api/detection/list?page=1&limit=2", auth(token)).json();
        assertThat(first.get("total").asInt()).isEqualTo(3);
        assertThat(first.get("page").asInt()).isEqualTo(1);
        assertThat(first.get("limit").asInt()).isEqualTo(2);
        assertThat(first.get("detections")).hasSize(2);
        assertThat(first.get("detections").get(0).get("detection_id").asText()).isEqualTo(ids.get(2));
        assertThat(first.get("detections").get(0).get("status").asText()).isEqualTo("completed");
        assertThat(first.get("detections").get(0).get("timestamp").asText()).endsWith("Z");
        JsonNode second = gateway.get(E, "/api/v1/detection/list?page=2&limit=2", auth(token)).json();
        assertThat(second.get("detections")).hasSize(1);
        assertThat(second.get("detections").get(0).get("detection_id").asText()).isEqualTo(ids.get(0));
        // Defaults: page 1, 20 per page.
        JsonNode defaults = gateway.get(E, "/api/detection/list", auth(token)).json();
        assertThat(defaults.get("page").asInt()).isEqualTo(1);
        assertThat(defaults.get("limit").asInt()).isEqualTo(20);
        assertThat(defaults.get("detections")).hasSize(3);

        for (String bad : List.of("page=0", "page=x", "limit=0", "limit=101", "limit=2.5")) {
            assertError(gateway.get(E, "/api/detection/list?" + bad, auth(token)), 400, "INVALID_PARAMETER");
        }
    }

    @Test
    void anotherUsersDetectionIsNotFound() throws Exception {
        String owner = user();
        String other = user();
        String id = detectionId(upload("/api", owner, "person.jpg", image("person.jpg")));
        awaitDone(owner, id);

        assertError(gateway.get(E, "/api/detection/results/" + id, auth(other)), 404, "DETECTION_NOT_FOUND");
        assertThat(gateway.get(E, "/api/detection/list", auth(other)).json().get("total").asInt()).isZero();
        assertError(gateway.get(E, "/api/detection/results/" + UUID.randomUUID(), auth(owner)), 404, null);
        assertError(gateway.get(E, "/api/detection/results/not-an-id", auth(owner)), 404, "DETECTION_NOT_FOUND");
    }

    @Test
    void everyRouteNeedsAValidBearerToken() {
        for (String path : List.of("/api/detection/list", "/api/v1/detection/results/" + UUID.randomUUID(),
                "/api/settings", "/api/models")) {
            assertError(gateway.get(E, path), 401, null);
            assertError(gateway.get(E, path, "Authorization", "Bearer not.a.token"), 401, null);
        }
        assertError(gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, "/api/detection/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(form("a.jpg", new byte[10])))), 401, null);
        assertError(gateway.putJson(E, "/api/settings", "{\"useGPU\":false}"), 401, null);
    }

    // ---- settings ----------------------------------------------------------------------------------------

    @Test
    void settingsAreStoredPerUserAndValidated() {
        String token = user();
        String other = user();
        JsonNode defaults = gateway.get(E, "/api/settings", auth(token)).json();
        assertThat(defaults.get("confidenceThreshold").asDouble()).isEqualTo(0.5);
        assertThat(defaults.get("useGPU").asBoolean()).isTrue();
        assertThat(defaults.get("enableMultiThreading").asBoolean()).isFalse();

        Reply put = putSettings(token, "{\"confidenceThreshold\":0.35,\"useGPU\":false,\"enableMultiThreading\":true}");
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().get("message").asText()).isEqualTo("Settings updated successfully");
        JsonNode saved = gateway.get(E, "/api/v1/settings", auth(token)).json();
        assertThat(saved.get("confidenceThreshold").asDouble()).isEqualTo(0.35);
        assertThat(saved.get("useGPU").asBoolean()).isFalse();
        assertThat(saved.get("enableMultiThreading").asBoolean()).isTrue();
        // A partial update keeps the rest.
        assertThat(putSettings(token, "{\"enableMultiThreading\":false}").status()).isEqualTo(200);
        JsonNode partial = gateway.get(E, "/api/settings", auth(token)).json();
        assertThat(partial.get("confidenceThreshold").asDouble()).isEqualTo(0.35);
        assertThat(partial.get("enableMultiThreading").asBoolean()).isFalse();
        // Another user's settings are their own.
        assertThat(gateway.get(E, "/api/settings", auth(other)).json()).isEqualTo(defaults);

        for (String bad : List.of("{\"confidenceThreshold\":1.5}", "{\"confidenceThreshold\":-0.1}",
                "{\"confidenceThreshold\":\"0.5\"}", "{\"useGPU\":\"yes\"}", "{\"enableMultiThreading\":1}")) {
            assertError(putSettings(token, bad), 400, "INVALID_FIELD");
        }
        assertError(putSettings(token, "{}"), 400, "INVALID_SETTINGS");
        assertError(putSettings(token, "not json"), 400, "INVALID_JSON");
        // None of the refusals changed anything.
        assertThat(gateway.get(E, "/api/settings", auth(token)).json()).isEqualTo(partial);
    }

    @Test
    void withoutAGpuRequestedTheResultsCarryNoNote() throws Exception {
        String token = user();
        assertThat(putSettings(token, "{\"useGPU\":false}").status()).isEqualTo(200);
        JsonNode done = awaitDone(token, detectionId(upload("/api", token, "kite.jpg", image("kite.jpg"))));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("device").asText()).isEqualTo("cpu");
        assertThat(done.has("note")).isFalse();
    }

    // ---- models ------------------------------------------------------------------------------------------

    @Test
    void modelsComeFromTheLiveNodesAndTheActiveOneIsPerUser() throws Exception {
        String token = user();
        String other = user();
        JsonNode models = gateway.get(E, "/api/models", auth(token)).json().get("models");
        JsonNode yolox = find(models, "yolox-nano");
        assertThat(yolox).isNotNull();
        assertThat(yolox.get("name").asText()).isNotBlank();
        assertThat(yolox.get("version").asText()).isNotBlank();
        assertThat(yolox.has("description")).isTrue();
        assertThat(yolox.get("classes")).hasSize(80);
        assertThat(yolox.get("active").asBoolean()).isTrue();
        assertThat(find(models, "hog-people")).isNotNull();
        // Only object detectors: no text detector, no segmenter.
        assertThat(find(models, "paddleocr-db-text")).isNull();
        assertThat(find(models, "selfie-segmentation")).isNull();

        assertError(gateway.putJson(E, "/api/models/active", "{\"model_id\":\"no-such-model\"}", auth(token)),
                404, "MODEL_NOT_FOUND");
        assertError(gateway.putJson(E, "/api/models/active", "{}", auth(token)), 400, "MISSING_FIELD");
        Reply set = gateway.putJson(E, "/api/v1/models/active", "{\"model_id\":\"hog-people\"}", auth(token));
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get("message").asText()).isEqualTo("Active model updated successfully");
        assertThat(find(gateway.get(E, "/api/models", auth(token)).json().get("models"), "hog-people")
                .get("active").asBoolean()).isTrue();
        assertThat(find(gateway.get(E, "/api/models", auth(other)).json().get("models"), "yolox-nano")
                .get("active").asBoolean()).isTrue();

        // The next upload runs with the active model; the settings were kept alongside it.
        JsonNode done = awaitDone(token, detectionId(upload("/api", token, "person.jpg", image("person.jpg"))));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("model_id").asText()).isEqualTo("hog-people");
        assertThat(confidences(done)).allMatch(c -> c >= 0.5);
    }

    // ---- history and export ------------------------------------------------------------------------------

    @Test
    void historyCountsObjectsPerClassWithinInclusiveDates() throws Exception {
        String token = user();
        String dog = detectionId(upload("/api", token, "dog.jpg", image("dog.jpg")));
        String horses = detectionId(upload("/api", token, "my,horses.jpg", image("horses.jpg")));
        JsonNode dogResult = awaitDone(token, dog);
        JsonNode horsesResult = awaitDone(token, horses);
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);

        JsonNode all = gateway.get(E, "/api/history", auth(token)).json();
        assertThat(all.get("total").asInt()).isEqualTo(2);
        assertThat(all.get("page").asInt()).isEqualTo(1);
        assertThat(all.get("limit").asInt()).isEqualTo(20);
        assertThat(all.get("history").get(0).get("detection_id").asText()).isEqualTo(horses);
        assertThat(all.get("history").get(0).get("timestamp").asText()).startsWith(today.toString()).endsWith("Z");
        assertThat(counts(all.get("history").get(0).get("detected_objects"))).isEqualTo(counts(horsesResult));
        assertThat(counts(all.get("history").get(1).get("detected_objects"))).isEqualTo(counts(dogResult))
                .containsKey("dog");

        // Both ends inclusive, as whole UTC days.
        assertThat(history(token, "start_date=" + today + "&end_date=" + today).get("total").asInt()).isEqualTo(2);
        assertThat(history(token, "start_date=" + today).get("total").asInt()).isEqualTo(2);
        assertThat(history(token, "end_date=" + today.minusDays(1)).get("total").asInt()).isZero();
        assertThat(history(token, "start_date=" + today.plusDays(1)).get("total").asInt()).isZero();
        JsonNode paged = history(token, "page=2&limit=1");
        assertThat(paged.get("history")).hasSize(1);
        assertThat(paged.get("history").get(0).get("detection_id").asText()).isEqualTo(dog);
        assertThat(history(user(), "").get("total").asInt()).isZero();

        assertError(gateway.get(E, "/api/history?start_date=01-12-2026", auth(token)), 400, "INVALID_DATE");
        assertError(gateway.get(E, "/api/v1/history?end_date=2026-02-30", auth(token)), 400, "INVALID_DATE");
        assertError(gateway.get(E, "/api/history?start_date=" + today + "&end_date=" + today.minusDays(1),
                auth(token)), 400, "INVALID_DATE_RANGE");
        assertError(gateway.get(E, "/api/history?limit=0", auth(token)), 400, "INVALID_PARAMETER");
        assertError(gateway.get(E, "/api/history/export?start_date=nope", auth(token)), 400, "INVALID_DATE");

        // The export: CSV, one row per object, parsed back equal to the results.
        Reply csv = gateway.get(E, "/api/v1/history/export?end_date=" + today, auth(token));
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).startsWith("attachment");
        assertThat(csv.response().body()).contains("\r\n");
        List<List<String>> rows = parseCsv(csv.response().body());
        assertThat(rows.get(0)).containsExactly("detection_id", "timestamp", "filename", "model_id", "class",
                "confidence", "x", "y", "width", "height");
        List<List<String>> horseRows = rows.stream().filter(r -> r.get(0).equals(horses)).toList();
        assertThat(horseRows).hasSize(horsesResult.get("results").size());
        assertThat(horseRows.get(0).get(2)).isEqualTo("my,horses.jpg");
        for (int i = 0; i < horseRows.size(); i++) {
            JsonNode o = horsesResult.get("results").get(i);
            List<String> r = horseRows.get(i);
            assertThat(r.get(4)).isEqualTo(o.get("class").asText());
            assertThat(Double.parseDouble(r.get(5))).isCloseTo(o.get("confidence").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-3));
            assertThat(List.of(r.get(6), r.get(7), r.get(8), r.get(9))).containsExactly(o.get("bbox").get(0).asText(),
                    o.get("bbox").get(1).asText(), o.get("bbox").get(2).asText(), o.get("bbox").get(3).asText());
        }
        assertThat(rows).hasSize(1 + horsesResult.get("results").size() + dogResult.get("results").size());
        assertThat(parseCsv(gateway.get(E, "/api/history/export?end_date=" + today.minusDays(1), auth(token))
                .response().body())).hasSize(1);
    }

    @Test
    void anExportOf100000DetectionsStreamsEveryRow() throws Exception {
        String name = "det" + UUID.randomUUID().toString().substring(0, 8);
        gateway.postJson(E, "/api/auth/register", "{\"username\":\"" + name + "\",\"email\":\"" + name
                + "@example.com\",\"password\":\"Detect123!\"}");
        JsonNode login = gateway.postJson(E, "/api/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"Detect123!\"}").json();
        String token = login.get("token").asText();
        String owner = login.get("user_id").asText();
        int n = 100_000;
        long start = java.time.Instant.parse("2025-03-01T00:00:00Z").toEpochMilli();
        var cache = gateway.coordinator().ignite().<String, byte[]>cache(
                io.framegrid.fabric.grid.CacheNames.DETECTION_HISTORY);
        java.util.Map<String, byte[]> batch = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            batch.put(id, io.framegrid.proto.detection.v1.DetectionRecord.newBuilder().setDetectionId(id)
                    .setOwnerId(owner).setCreatedMs(start + i * 60_000L).setModelId("yolox-nano").setFilename("f.jpg")
                    .addObjects(io.framegrid.proto.detection.v1.DetectedObject.newBuilder().setClassName("person")
                            .setConfidence(0.5f).setX(i % 100).setY(1).setWidth(2).setHeight(3)).build().toByteArray());
            if (batch.size() == 5_000) {
                cache.putAll(batch);
                batch.clear();
            }
        }
        // Read line by line as it streams; only the count and the order are kept.
        var response = GatewayExtension.testHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        gateway.uri(E, "/api/history/export")).header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        long[] rows = {0};
        String[] previous = {null};
        boolean[] ordered = {true};
        response.body().skip(1).forEach(line -> {
            rows[0]++;
            String ts = line.split(",")[1];
            if (previous[0] != null && ts.compareTo(previous[0]) > 0) {
                ordered[0] = false;
            }
            previous[0] = ts;
        });
        assertThat(rows[0]).isEqualTo(n);
        assertThat(ordered[0]).as("newest first").isTrue();
        // The date filter applies to the export too: 2025-03-01 holds the first 1,440 minutes.
        assertThat(parseCsv(gateway.get(E, "/api/history/export?start_date=2025-03-01&end_date=2025-03-01",
                auth(token)).response().body())).hasSize(1 + 1_440);
    }

    private static JsonNode history(String token, String query) {
        Reply r = gateway.get(E, "/api/history?" + query, auth(token));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static java.util.Map<String, Integer> counts(JsonNode objects) {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (JsonNode o : objects) {
            if (o.has("count")) {
                counts.put(o.get("class").asText(), o.get("count").asInt());
            }
        }
        if (objects.has("results")) {
            objects.get("results").forEach(o -> counts.merge(o.get("class").asText(), 1, Integer::sum));
        }
        return counts;
    }

    /** RFC 4180: CRLF records, quoted fields may hold commas, quotes (doubled) and line breaks. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        assertThat(field.length() == 0 && row.isEmpty()).as("the CSV ends with CRLF").isTrue();
        return rows;
    }

    // ---- admin model upload ---------------------------------------------------------------------------------

    @Test
    void anAdministratorAddsAModelThatTheNodeServesWithoutARestart() throws Exception {
        String admin = gateway.postJson(E, "/api/auth/login",
                "{\"username\":\"admin@framegrid.local\",\"password\":\"AdminPass123\"}").json().get("token").asText();
        String token = user();
        byte[] onnx = Files.readAllBytes(SharedFiles.models().resolve("yolox_nano.onnx"));
        List<String> coco = Files.readAllLines(SharedFiles.models().resolve("coco.names")).stream()
                .filter(l -> !l.isBlank()).map(String::trim).toList();
        String classes = coco.stream().map(c -> "\"" + c + "\"").collect(java.util.stream.Collectors.joining(","));
        String manifest = "{\"id\":\"custom-coco\",\"name\":\"Custom COCO\",\"description\":\"retrained\","
                + "\"version\":\"2\",\"input_size\":[416,416],\"classes\":[" + classes + "],\"decoding\":\"yolox\"}";

        assertError(addModel(token, manifest, onnx), 403, null);
        assertError(addModel(admin, manifest.replace("\"yolox\"", "\"ssd\""), onnx), 400, "UNSUPPORTED_MODEL");
        assertError(addModel(admin, manifest.replace("[416,416]", "[640,640]"), onnx), 400, "UNSUPPORTED_MODEL");
        assertError(addModel(admin, "{\"id\":", onnx), 400, "INVALID_MANIFEST");
        // This surface answers ALREADY_EXISTS with 400 (its convention for conflicts), the code says which.
        assertError(addModel(admin, manifest.replace("custom-coco", "yolox-nano"), onnx), 400, "MODEL_EXISTS");

        Reply added = addModel(admin, manifest, onnx);
        assertThat(added.status()).as(added.toString()).isEqualTo(201);
        assertThat(added.json().get("id").asText()).isEqualTo("custom-coco");
        assertThat(added.json().get("classes")).hasSize(80);
        assertError(addModel(admin, manifest, onnx), 400, "MODEL_EXISTS");

        // The running gpu-node fetched it, checked it and serves it: listed, selectable, detecting.
        await().atMost(Duration.ofSeconds(30)).until(() ->
                find(gateway.get(E, "/api/models", auth(token)).json().get("models"), "custom-coco") != null);
        JsonNode listed = find(gateway.get(E, "/api/models", auth(token)).json().get("models"), "custom-coco");
        assertThat(listed.get("name").asText()).isEqualTo("Custom COCO");
        assertThat(listed.get("version").asText()).isEqualTo("2");
        assertThat(gateway.putJson(E, "/api/models/active", "{\"model_id\":\"custom-coco\"}", auth(token)).status())
                .isEqualTo(200);
        JsonNode done = awaitDone(token, detectionId(upload("/api", token, "dog.jpg", image("dog.jpg"))));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("model_id").asText()).isEqualTo("custom-coco");
        assertThat(confidences(done)).isNotEmpty();
    }

    private static Reply addModel(String token, String manifest, byte[] onnx) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n" + manifest
                + "\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(formHead("model", "model.onnx"));
        body.writeBytes(onnx);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, "/api/models"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), auth(token));
    }

    @Test
    void webhooksAreRegisteredListedDeliveredSignedAndRemovedPerUser() throws Exception {
        String token = user();
        String other = user();
        String secret = "a-webhook-secret-of-32-characters";
        List<java.util.Map.Entry<String, byte[]>> received = java.util.Collections.synchronizedList(new ArrayList<>());
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(Map.entry(exchange.getRequestHeaders().getFirst("X-Framegrid-Signature"),
                    exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            assertError(gateway.postJson(E, "/api/webhooks", "{\"url\":\"ftp://x\",\"secret\":\"" + secret + "\"}",
                    auth(token)), 400, null);
            assertError(gateway.postJson(E, "/api/webhooks", "{\"url\":\"" + url + "\",\"secret\":\"short\"}",
                    auth(token)), 400, null);
            assertError(gateway.postJson(E, "/api/webhooks", "{\"url\":\"" + url + "\"}", auth(token)), 400, null);
            assertError(gateway.postJson(E, "/api/webhooks", "{\"url\":\"" + url + "\",\"secret\":\"" + secret
                    + "\"}"), 401, null);
            Reply registered = gateway.postJson(E, "/api/v1/webhooks", "{\"url\":\"" + url + "\",\"secret\":\""
                    + secret + "\"}", auth(token));
            assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
            assertThat(registered.response().body()).doesNotContain(secret);
            String webhookId = registered.json().get("webhook_id").asText();
            assertThat(gateway.get(E, "/api/webhooks", auth(token)).json().get("webhooks")).hasSize(1);
            assertThat(gateway.get(E, "/api/webhooks", auth(other)).json().get("webhooks")).isEmpty();
            assertError(gateway.get(E, "/api/webhooks/" + webhookId + "/deliveries", auth(other)), 404, null);

            String id = detectionId(upload("/api", token, "dog.jpg", image("dog.jpg")));
            awaitDone(token, id);
            await().atMost(Duration.ofSeconds(60)).until(() -> gateway.get(E, "/api/webhooks/" + webhookId
                    + "/deliveries", auth(token)).json().get("deliveries").findValuesAsText("outcome")
                    .contains("delivered"));
            JsonNode delivery = gateway.get(E, "/api/webhooks/" + webhookId + "/deliveries", auth(token)).json()
                    .get("deliveries").get(0);
            assertThat(delivery.get("detection_id").asText()).isEqualTo(id);
            assertThat(delivery.get("event").asText()).isEqualTo("detection.completed");
            assertThat(delivery.get("last_status").asInt()).isEqualTo(204);
            // The receiver's check: HMAC-SHA256 over "<t>." + body with the registered secret.
            var hit = received.stream().filter(r -> new String(r.getValue(), StandardCharsets.UTF_8).contains(id))
                    .findFirst().orElseThrow();
            String signature = hit.getKey();
            String t = signature.substring(2, signature.indexOf(','));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            assertThat(signature.substring(signature.indexOf("v1=") + 3))
                    .isEqualTo(java.util.HexFormat.of().formatHex(mac.doFinal(hit.getValue())));

            assertError(gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, "/api/webhooks/" + webhookId))
                    .DELETE(), auth(other)), 404, null);
            Reply removed = gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, "/api/v1/webhooks/"
                    + webhookId)).DELETE(), auth(token));
            assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
            assertThat(gateway.get(E, "/api/webhooks", auth(token)).json().get("webhooks")).isEmpty();
            assertError(gateway.get(E, "/api/webhooks/" + webhookId + "/deliveries", auth(token)), 404, null);
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void enginelabsNotificationsNeedTheConfiguredSecret() {
        // This cluster has no enginelabs secret: every notification is refused, whatever it claims.
        Reply r = gateway.postJson(E, "/api/integrations/enginelabs/webhook", "{\"event\":\"model.trained\"}",
                "X-Enginelabs-Signature", "t=1,v1=00");
        assertError(r, 503, null);
        assertError(gateway.postJson(E, "/api/v1/integrations/enginelabs/webhook", "not json"), 400, "INVALID_JSON");
    }

    // ---- rate limit --------------------------------------------------------------------------------------

    @Test
    void aUserGets100RequestsAMinuteThen429() {
        String token = user();
        String other = user();
        long now = System.currentTimeMillis() / 1000;
        Reply first = gateway.get(E, "/api/settings", auth(token));
        assertThat(first.header("X-RateLimit-Limit")).isEqualTo("100");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("99");
        assertThat(Long.parseLong(first.header("X-RateLimit-Reset"))).isBetween(now, now + 61);
        for (int i = 2; i <= 100; i++) {
            // Both prefixes and every route share the one budget.
            String path = i % 2 == 0 ? "/api/v1/settings" : "/api/detection/list";
            Reply r = gateway.get(E, path, auth(token));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(String.valueOf(100 - i));
        }
        Reply limited = gateway.get(E, "/api/models", auth(token));
        assertError(limited, 429, "RATE_LIMITED");
        assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(limited.header("Retry-After")).isNotNull();
        // Another user's budget is untouched.
        assertThat(gateway.get(E, "/api/settings", auth(other)).status()).isEqualTo(200);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static String[] auth(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    private static String user() {
        String name = "det" + UUID.randomUUID().toString().substring(0, 8);
        Reply reg = gateway.postJson(E, "/api/auth/register",
                "{\"username\":\"" + name + "\",\"email\":\"" + name + "@example.com\",\"password\":\"Detect123!\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        Reply login = gateway.postJson(E, "/api/auth/login",
                "{\"username\":\"" + name + "\",\"password\":\"Detect123!\"}");
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        return login.json().get("token").asText();
    }

    private static byte[] image(String name) throws Exception {
        return Files.readAllBytes(SharedFiles.media("images/" + name));
    }

    private static byte[] formHead(String field, String filename) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static java.net.Socket socket() throws java.io.IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.uri(E, "/").getPort()), 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static void write(java.net.Socket socket, String text) throws java.io.IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    private static void writeChunk(java.net.Socket socket, byte[] data) throws java.io.IOException {
        write(socket, Integer.toHexString(data.length) + "\r\n");
        socket.getOutputStream().write(data);
        write(socket, "\r\n");
    }

    /** The status line, headers and the JSON body of a reply (read up to the body's closing brace). */
    private static String readReply(java.net.Socket socket) throws java.io.IOException {
        byte[] buffer = new byte[4096];
        StringBuilder sb = new StringBuilder();
        java.io.InputStream in = socket.getInputStream();
        int n;
        while (!sb.toString().endsWith("}}") && (n = in.read(buffer)) > 0) {
            sb.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static byte[] form(String field, String filename, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(formHead(field, filename));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private static byte[] form(String filename, byte[] content) {
        return form("image", filename, content);
    }

    private static Reply upload(String prefix, String token, String filename, byte[] content) {
        return upload(prefix, token, "image", filename, content);
    }

    private static Reply upload(String prefix, String token, String field, String filename, byte[] content) {
        return gateway.send(java.net.http.HttpRequest.newBuilder(gateway.uri(E, prefix + "/detection/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(form(field, filename, content))),
                auth(token));
    }

    private static String detectionId(Reply upload) {
        assertThat(upload.status()).as(upload.toString()).isEqualTo(200);
        return upload.json().get("detection_id").asText();
    }

    private static Reply putSettings(String token, String json) {
        return gateway.putJson(E, "/api/settings", json, auth(token));
    }

    private static JsonNode awaitDone(String token, String id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            Reply r = gateway.get(E, "/api/detection/results/" + id, auth(token));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            last[0] = r.json();
            return !last[0].get("status").asText().equals("processing");
        });
        return last[0];
    }

    private static List<Double> confidences(JsonNode result) {
        List<Double> out = new ArrayList<>();
        result.get("results").forEach(o -> out.add(o.get("confidence").asDouble()));
        return out;
    }

    private static JsonNode find(JsonNode models, String id) {
        for (JsonNode m : models) {
            if (m.get("id").asText().equals(id)) {
                return m;
            }
        }
        return null;
    }

    private static void assertError(Reply r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonNode error = r.json().get("error");
        assertThat(error).as(r.toString()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        if (code != null) {
            assertThat(error.get("code").asText()).isEqualTo(code);
        } else {
            assertThat(error.get("code").asText()).isNotBlank();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A PNG signature and IHDR chunk declaring {@code width} x {@code height}, with nothing after it. */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width).putInt(height).put(new byte[] {8, 2, 0, 0, 0});
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue());
        return png.array();
    }
}
