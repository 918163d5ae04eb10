package io.framegrid.gateway.studio.upload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.binary.BinaryObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Studio chunked uploads and ranged downloads over HTTP against a real coordinator and gateway. */
class StudioUploadTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private static final HttpClient http = GatewayExtension.testHttpClient();

    // ---- the spec's flow -------------------------------------------------------------------------

    @Test
    void shuffledAndDuplicatedChunksAssembleAndDownloadWithRanges() throws Exception {
        String token = newUser();
        // 1.5 MiB chunks: far over the 64 KiB JSON cap, so the chunk route's own request limit is exercised.
        int chunkSize = 3 << 19;
        byte[] file = random(4 * chunkSize + 12_345, 1);
        JsonNode init = init(token, "clip.mp4", file.length, chunkSize, sha256(file)).json();
        String uploadId = init.get("upload_id").asText();
        assertThat(init.get("chunk_count").asInt()).isEqualTo(5);
        assertThat(init.get("expires_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");

        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 2, 0));
        Collections.shuffle(order, new Random(7));
        int received = 0;
        List<Integer> seen = new ArrayList<>();
        for (int index : order) {
            Reply chunk = chunk(token, uploadId, index, slice(file, index, chunkSize));
            assertThat(chunk.status()).as(chunk.toString()).isEqualTo(200);
            if (!seen.contains(index)) {
                seen.add(index);
                received++;
            }
            assertThat(chunk.json().get("upload_id").asText()).isEqualTo(uploadId);
            assertThat(chunk.json().get("chunk_index").asInt()).isEqualTo(index);
            assertThat(chunk.json().get("chunks_received").asInt()).isEqualTo(received);
            assertThat(chunk.json().get("chunks_total").asInt()).isEqualTo(5);
        }

        Reply complete = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(token));
        assertThat(complete.status()).as(complete.toString()).isEqualTo(200);
        JsonNode done = complete.json();
        String fileId = done.get("file_id").asText();
        assertThat(done.get("filename").asText()).isEqualTo("clip.mp4");
        assertThat(done.get("file_size").asLong()).isEqualTo(file.length);
        String fileUrl = done.get("file_url").asText();
        assertThat(fileUrl).endsWith("/api/v1/files/" + fileId).startsWith("http://127.0.0.1:");

        // Whole file through file_url as given.
        HttpResponse<byte[]> whole = download(fileUrl, token, null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(whole.body()).isEqualTo(file);

        // A range crossing the coordinator's 1 MiB message boundary.
        HttpResponse<byte[]> part = download(fileUrl, token, "bytes=1000000-2100000");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000000-2100000/" + file.length);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(file, 1_000_000, 2_100_001));

        HttpResponse<byte[]> open = download(fileUrl, token, "bytes=" + (file.length - 10) + "-");
        assertThat(open.statusCode()).isEqualTo(206);
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(file, file.length - 10, file.length));

        HttpResponse<byte[]> suffix = download(fileUrl, token, "bytes=-100");
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.headers().firstValue("Content-Range"))
                .hasValue("bytes " + (file.length - 100) + "-" + (file.length - 1) + "/" + file.length);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(file, file.length - 100, file.length));

        HttpResponse<byte[]> beyond = download(fileUrl, token, "bytes=" + file.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + file.length);
        assertThat(new String(beyond.body(), StandardCharsets.UTF_8)).contains("RANGE_NOT_SATISFIABLE");

        // The upload is spent once completed.
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(token)),
                404, "UPLOAD_NOT_FOUND");
    }

    @Test
    void headAndMultipleRangesAreServedWithoutAmplification() throws Exception {
        String token = newUser();
        int chunkSize = 1 << 20;
        byte[] file = random(2 * chunkSize + 777, 3);
        String sha = sha256(file);
        String uploadId = init(token, "multi.bin", file.length, chunkSize, sha).json().get("upload_id").asText();
        for (int i = 0; i < 3; i++) {
            assertThat(chunk(token, uploadId, i, slice(file, i, chunkSize)).status()).isEqualTo(200);
        }
        String url = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(token))
                .json().get("file_url").asText();
        String etag = "\"" + sha + "\"";

        // HEAD: GET's headers, no body.
        HttpResponse<byte[]> head = send(url, token, "HEAD", "Range", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(file.length));
        assertThat(head.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(head.headers().firstValue("ETag")).hasValue(etag);
        assertThat(head.headers().firstValue("Content-Disposition")).hasValueSatisfying(v -> assertThat(v).contains("multi.bin"));
        assertThat(head.body()).isEmpty();
        HttpResponse<byte[]> headRange = send(url, token, "HEAD", "Range", "bytes=10-19");
        assertThat(headRange.statusCode()).isEqualTo(206);
        assertThat(headRange.headers().firstValue("Content-Length")).hasValue("10");
        assertThat(headRange.headers().firstValue("Content-Range")).hasValue("bytes 10-19/" + file.length);
        assertThat(headRange.body()).isEmpty();
        assertThat(download(url, token, null).headers().firstValue("ETag")).hasValue(etag);

        // Several ranges, out of order and one crossing a 1 MiB message boundary: multipart/byteranges, sorted.
        HttpResponse<byte[]> multi = download(url, token, "bytes=2000000-2000099, 0-99,1048570-1048589");
        assertThat(multi.statusCode()).isEqualTo(206);
        assertThat(multi.headers().firstValue("Content-Length")).hasValue(String.valueOf(multi.body().length));
        List<Part> parts = parts(multi);
        assertThat(parts).extracting(Part::contentRange).containsExactly("bytes 0-99/" + file.length,
                "bytes 1048570-1048589/" + file.length, "bytes 2000000-2000099/" + file.length);
        assertThat(parts).extracting(Part::contentType).containsOnly("video/mp4");
        assertThat(parts.get(0).body()).isEqualTo(Arrays.copyOfRange(file, 0, 100));
        assertThat(parts.get(1).body()).isEqualTo(Arrays.copyOfRange(file, 1048570, 1048590));
        assertThat(parts.get(2).body()).isEqualTo(Arrays.copyOfRange(file, 2000000, 2000100));
        // HEAD of the same request announces exactly the multipart length GET sends.
        assertThat(send(url, token, "HEAD", "Range", "bytes=2000000-2000099, 0-99,1048570-1048589").headers()
                .firstValue("Content-Length")).hasValue(String.valueOf(multi.body().length));

        // Overlapping ranges are coalesced: bytes are never sent twice.
        HttpResponse<byte[]> overlapping = download(url, token, "bytes=0-99,50-149,-10");
        List<Part> coalesced = parts(overlapping);
        assertThat(coalesced).extracting(Part::contentRange).containsExactly("bytes 0-149/" + file.length,
                "bytes " + (file.length - 10) + "-" + (file.length - 1) + "/" + file.length);
        HttpResponse<byte[]> same = download(url, token, "bytes=0-,0-,0-,-" + file.length);
        assertThat(same.statusCode()).isEqualTo(206);
        assertThat(same.headers().firstValue("Content-Range")).hasValue("bytes 0-" + (file.length - 1) + "/" + file.length);
        assertThat(same.body()).isEqualTo(file);

        // More than 16 ranges: the Range header is ignored and the file sent once, whole.
        String many = "bytes=" + String.join(",", Collections.nCopies(17, "0-0"));
        HttpResponse<byte[]> tooMany = download(url, token, many);
        assertThat(tooMany.statusCode()).isEqualTo(200);
        assertThat(tooMany.body()).isEqualTo(file);
        assertThat(download(url, token, "bytes=oops").statusCode()).isEqualTo(200);

        // No satisfiable range among several: 416 with the size, in the studio error format.
        HttpResponse<byte[]> unsatisfiable = download(url, token, "bytes=" + file.length + "-,"
                + (file.length + 10) + "-" + (file.length + 20));
        assertThat(unsatisfiable.statusCode()).isEqualTo(416);
        assertThat(unsatisfiable.headers().firstValue("Content-Range")).hasValue("bytes */" + file.length);
        assertThat(new String(unsatisfiable.body(), StandardCharsets.UTF_8)).contains("RANGE_NOT_SATISFIABLE");
        // ... unless the ranges that cannot be met come with one that can.
        assertThat(download(url, token, "bytes=5-9," + file.length + "-").headers().firstValue("Content-Range"))
                .hasValue("bytes 5-9/" + file.length);

        // If-Range: the current ETag keeps the range, anything else gets the whole (changed) file.
        HttpResponse<byte[]> matching = send(url, token, "GET", "Range", "bytes=0-9", "If-Range", etag);
        assertThat(matching.statusCode()).isEqualTo(206);
        assertThat(matching.body()).isEqualTo(Arrays.copyOfRange(file, 0, 10));
        HttpResponse<byte[]> stale = send(url, token, "GET", "Range", "bytes=0-9", "If-Range", "\"stale\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(file);
    }

    private record Part(String contentType, String contentRange, byte[] body) {}

    /** Splits a multipart/byteranges body by the boundary its Content-Type names. */
    private static List<Part> parts(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(206);
        String type = response.headers().firstValue("Content-Type").orElseThrow();
        assertThat(type).startsWith("multipart/byteranges; boundary=");
        String delimiter = "--" + type.substring(type.indexOf("boundary=") + 9);
        // ISO-8859-1 maps every byte to one char, so offsets in the string are offsets in the body.
        String body = new String(response.body(), StandardCharsets.ISO_8859_1);
        assertThat(body).startsWith(delimiter + "\r\n").endsWith("\r\n" + delimiter + "--\r\n");
        List<Part> parts = new ArrayList<>();
        int at = 0;
        while (true) {
            int start = body.indexOf(delimiter, at) + delimiter.length();
            if (body.startsWith("--", start)) {
                return parts;
            }
            int headersEnd = body.indexOf("\r\n\r\n", start);
            Map<String, String> headers = new java.util.HashMap<>();
            for (String line : body.substring(start + 2, headersEnd).split("\r\n")) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
            }
            String range = headers.get("content-range");
            String[] bounds = range.substring(6, range.indexOf('/')).split("-");
            int length = (int) (Long.parseLong(bounds[1]) - Long.parseLong(bounds[0]) + 1);
            int dataStart = headersEnd + 4;
            parts.add(new Part(headers.get("content-type"), range,
                    Arrays.copyOfRange(response.body(), dataStart, dataStart + length)));
            at = dataStart + length;
            assertThat(body.startsWith("\r\n" + delimiter, at)).isTrue();
        }
    }

    private static HttpResponse<byte[]> send(String url, String token, String method, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i + 1] != null) {
                b.header(headers[i], headers[i + 1]);
            }
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void interruptedUploadResumesFromStatus() {
        String token = newUser();
        byte[] file = random(10 * 1000 + 7, 2);
        String uploadId = init(token, "talk.wav", file.length, 1000, null).json().get("upload_id").asText();
        for (int index : List.of(0, 3, 4, 9)) {
            assertThat(chunk(token, uploadId, index, slice(file, index, 1000)).status()).isEqualTo(200);
        }
        Reply early = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(token));
        assertStudioError(early, 400, "CHUNKS_MISSING");
        assertThat(early.json().at("/error/details/missing_chunks").toString()).isEqualTo("[1,2,5,6,7,8,10]");

        Reply status = gw.get("studio", "/api/v1/chunked-upload/status/" + uploadId, bearer(token));
        assertThat(status.status()).as(status.toString()).isEqualTo(200);
        assertThat(status.json().get("chunks_received").asInt()).isEqualTo(4);
        assertThat(status.json().get("chunks_total").asInt()).isEqualTo(11);
        for (JsonNode missing : status.json().get("missing_chunks")) {
            assertThat(chunk(token, uploadId, missing.asInt(), slice(file, missing.asInt(), 1000)).status()).isEqualTo(200);
        }
        assertThat(gw.get("studio", "/api/v1/chunked-upload/status/" + uploadId, bearer(token)).json()
                .get("missing_chunks")).isEmpty();
        // The checksum may also come at completion.
        Reply complete = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId,
                "{\"sha256\":\"" + sha256(file) + "\"}", bearer(token));
        assertThat(complete.status()).as(complete.toString()).isEqualTo(200);
        assertThat(download(complete.json().get("file_url").asText(), token, null).body()).isEqualTo(file);
    }

    @Test
    void checksumMismatchIsRefusedAtCompletion() {
        String token = newUser();
        byte[] file = random(3000, 3);
        String wrong = sha256(random(3000, 4));
        String uploadId = init(token, "a.bin", file.length, 1500, wrong).json().get("upload_id").asText();
        chunk(token, uploadId, 1, slice(file, 1, 1500));
        chunk(token, uploadId, 0, slice(file, 0, 1500));
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(token)),
                422, "CHECKSUM_MISMATCH");
        // The chunks stay: the right checksum at completion succeeds.
        Reply right = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId,
                "{\"sha256\":\"" + sha256(file) + "\"}", bearer(token));
        assertThat(right.status()).as(right.toString()).isEqualTo(200);
    }

    @Test
    void sizeLimitFollowsTheTier() {
        String token = newUser();
        // Free: 500 MB. Sizes are only declared, no bytes move.
        assertStudioError(init(token, "big.mp4", 600L << 20, 5L << 20, null), 413, "FILE_TOO_LARGE");
        setTier(token, "pro");
        assertThat(init(token, "big.mp4", 600L << 20, 5L << 20, null).status()).isEqualTo(201);
        assertStudioError(init(token, "huge.mp4", 3L << 30, 5L << 20, null), 413, "FILE_TOO_LARGE");
        setTier(token, "enterprise");
        assertThat(init(token, "huge.mp4", 3L << 30, 5L << 20, null).status()).isEqualTo(201);
    }

    @Test
    void anotherUsersUploadAndFileAreNotFound() {
        String owner = newUser();
        String stranger = newUser();
        byte[] file = random(2000, 5);
        String uploadId = init(owner, "mine.bin", file.length, 1000, null).json().get("upload_id").asText();
        assertStudioError(chunk(stranger, uploadId, 0, slice(file, 0, 1000)), 404, "UPLOAD_NOT_FOUND");
        assertStudioError(gw.get("studio", "/api/v1/chunked-upload/status/" + uploadId, bearer(stranger)),
                404, "UPLOAD_NOT_FOUND");
        chunk(owner, uploadId, 0, slice(file, 0, 1000));
        chunk(owner, uploadId, 1, slice(file, 1, 1000));
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(stranger)),
                404, "UPLOAD_NOT_FOUND");
        Reply done = gw.postJson("studio", "/api/v1/chunked-upload/complete/" + uploadId, "", bearer(owner));
        String fileId = done.json().get("file_id").asText();
        assertStudioError(gw.get("studio", "/api/v1/files/" + fileId, bearer(stranger)), 404, "MEDIA_NOT_FOUND");
        assertThat(gw.get("studio", "/api/v1/files/" + fileId, bearer(owner)).status()).isEqualTo(200);
    }

    @Test
    void badRequestsGetStudioErrors() {
        String token = newUser();
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/init",
                "{\"filename\":\"a.mp4\",\"total_size\":10,\"chunk_size\":5}"), 401, "UNAUTHORIZED");
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/init",
                "{\"filename\":\"a.mp4\",\"chunk_size\":5}", bearer(token)), 422, "MISSING_FIELD");
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/init",
                "{\"filename\":\"a.mp4\",\"total_size\":-3,\"chunk_size\":5}", bearer(token)), 422, "INVALID_FIELD");
        String uploadId = init(token, "a.bin", 10, 5, null).json().get("upload_id").asText();
        assertStudioError(gw.postJson("studio", "/api/v1/chunked-upload/chunk/" + uploadId, "{}", bearer(token)),
                422, "UNSUPPORTED_CONTENT_TYPE");
        assertStudioError(chunk(token, uploadId, 2, new byte[5]), 422, "INVALID_CHUNK_INDEX");
        assertStudioError(chunk(token, uploadId, 0, new byte[4]), 422, "INVALID_CHUNK_SIZE");
        assertStudioError(chunk("not-a-token", uploadId, 0, new byte[5]), 401, "INVALID_TOKEN");
        Reply unterminated = gw.send(HttpRequest.newBuilder(gw.uri("studio", "/api/v1/chunked-upload/chunk/" + uploadId))
                .header("Content-Type", "multipart/form-data; boundary=xyz")
                .POST(HttpRequest.BodyPublishers.ofString("--xyz\r\nContent-Disposition: form-data; "
                        + "name=\"chunk_index\"\r\n\r\n0\r\n--xyz\r\nContent-Disposition: form-data; "
                        + "name=\"chunk\"\r\n\r\n12345")), bearer(token));
        assertStudioError(unterminated, 422, "INVALID_MULTIPART");
        Reply noIndex = gw.send(HttpRequest.newBuilder(gw.uri("studio", "/api/v1/chunked-upload/chunk/" + uploadId))
                .header("Content-Type", "multipart/form-data; boundary=\"xyz\"")
                .POST(HttpRequest.BodyPublishers.ofString("--xyz\r\nContent-Disposition: form-data; "
                        + "name=\"chunk\"\r\n\r\n12345\r\n--xyz--\r\n")), bearer(token));
        assertStudioError(noIndex, 422, "MISSING_FIELD");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String newUser() {
        String email = "upload-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Reply reg = gw.postJson("studio", "/api/v1/auth/register",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}");
        assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
        Reply login = gw.postJson("studio", "/api/v1/auth/login",
                "{\"email\":\"" + email + "\",\"password\":\"SecurePass123!\"}");
        return login.json().get("access_token").asText();
    }

    /** No API changes a tier yet: edit the stored user directly, as billing would. */
    private static void setTier(String token, String tier) {
        String userId = gw.get("studio", "/api/v1/auth/me", bearer(token)).json().get("user_id").asText();
        IgniteCache<String, BinaryObject> users = gw.coordinator().ignite().cache(CacheNames.USERS).withKeepBinary();
        users.put(userId, users.get(userId).toBuilder().setField("tier", tier).build());
    }

    private static Reply init(String token, String filename, long total, long chunkSize, String sha256) {
        return gw.postJson("studio", "/api/v1/chunked-upload/init", "{\"filename\":\"" + filename + "\",\"total_size\":"
                + total + ",\"chunk_size\":" + chunkSize + ",\"file_type\":\"video/mp4\""
                + (sha256 == null ? "" : ",\"sha256\":\"" + sha256 + "\"") + "}", bearer(token));
    }

    private static Reply chunk(String token, String uploadId, int index, byte[] data) {
        String boundary = "----fg" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"chunk_index\"\r\n\r\n" + index
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"blob\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return gw.send(HttpRequest.newBuilder(gw.uri("studio", "/api/v1/chunked-upload/chunk/" + uploadId))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), bearer(token));
    }

    private static HttpResponse<byte[]> download(String url, String token, String range) {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20));
        if (range != null) {
            b.header("Range", range);
        }
        try {
            return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    private static void assertStudioError(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        JsonNode error = reply.json().get("error");
        assertThat(error.get("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.has("details")).isTrue();
        assertThat(error.get("request_id").asText()).startsWith("req-");
    }

    private static byte[] slice(byte[] file, int index, int chunkSize) {
        return Arrays.copyOfRange(file, index * chunkSize, Math.min(file.length, (index + 1) * chunkSize));
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
