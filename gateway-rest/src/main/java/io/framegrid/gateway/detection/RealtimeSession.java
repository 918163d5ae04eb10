package io.framegrid.gateway.detection;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import io.framegrid.gateway.http.Json;
import io.framegrid.proto.detection.DetectionContract;
import io.framegrid.proto.detection.v1.DetectionSettings;
import io.framegrid.proto.inference.v1.DetectRequest;
import io.framegrid.proto.inference.v1.DetectResponse;
import io.framegrid.proto.inference.v1.Detection;
import io.framegrid.proto.inference.v1.Image;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.inference.DetectionStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * One {@code /ws/detection} socket. Every {@code frame} message gets the next {@code frame_id} (0-based); frames wait
 * in a queue of {@code queueSize} and a frame arriving at a full queue drops the <b>oldest</b> queued one (the newest
 * frame is the one worth detecting), counted in {@code dropped}. One frame per socket is at the detector at a time,
 * started no sooner than {@code 1/maxFps} after the previous one, so answers come in frame order; the detector is the
 * cluster's inference service, reached over one {@code DetectStream} per socket (authenticated once, not per frame;
 * the node's dynamic batcher groups the frames of every socket). A frame that cannot be read or
 * detected gets an {@code error} message at once and the socket stays open.
 *
 * <p>All state is touched on the socket's event loop only (frames arrive there, answers are hopped back to it).
 */
final class RealtimeSession implements Subscriber<WebSocketFrame> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RealtimeSession.class);
    private final FramegridClient caller;
    private final WebSocketWriter out;
    private final ScheduledExecutorService loop;
    private final java.util.concurrent.Executor decoder;
    /** Parsed messages that finished before an earlier one, keyed by arrival sequence. */
    private final java.util.Map<Long, Parsed> reorder = new java.util.HashMap<>();
    private long arrived;
    private long taken;
    private final int queueSize;
    private final long minIntervalNanos;
    private final long maxPixels;
    private final RealtimeMetrics metrics;

    private final ArrayDeque<Frame> queue = new ArrayDeque<>();
    private DetectionSettings settings;
    private long nextFrameId;
    private long dropped;
    private boolean inFlight;
    private boolean waking;
    private boolean closed;
    private boolean finished;
    private long lastStartNanos;
    private DetectionStream stream;
    private Frame current;
    private float currentThreshold;

    private record Frame(long id, byte[] image, long receivedNanos) {}

    RealtimeSession(FramegridClient caller, WebSocketWriter out, ScheduledExecutorService loop,
            java.util.concurrent.Executor decoder, int queueSize, int maxFps, long maxPixels, RealtimeMetrics metrics) {
        this.caller = caller;
        this.metrics = metrics;
        this.out = out;
        this.loop = loop;
        this.decoder = decoder;
        this.queueSize = queueSize;
        this.minIntervalNanos = TimeUnit.SECONDS.toNanos(1) / maxFps;
        this.maxPixels = maxPixels;
        this.lastStartNanos = System.nanoTime() - minIntervalNanos;
    }

    @Override
    public void onSubscribe(Subscription s) {
        // Frames are never refused at the transport: the queue drops instead, so a fast sender cannot stall the socket.
        // The user's settings (threshold, active model) are read once per socket; frames queue until they are known.
        s.request(Long.MAX_VALUE);
        metrics.opened();
        new io.framegrid.sdk.detection.DetectionClient(caller).settingsAsync().whenCompleteAsync((loaded, t) -> {
            if (t != null) {
                closed = true;
                out.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "settings unavailable");
                return;
            }
            settings = loaded;
            pump();
        }, loop);
    }

    @Override
    public void onNext(WebSocketFrame frame) {
        try {
            if (closed) {
                return;
            }
            if (frame.type() == WebSocketFrameType.CLOSE) {
                finish();
            } else if (frame.type() == WebSocketFrameType.PING) {
                out.writePong(frame.array());
            } else if (frame.type() == WebSocketFrameType.TEXT) {
                onText(frame.array());
            } else if (frame.type() == WebSocketFrameType.BINARY) {
                // In line with the text messages still being parsed, so the error keeps the socket's order.
                parsed(arrived++, Parsed.badMessage("INVALID_MESSAGE",
                        "Send frames as JSON text: {\"type\":\"frame\",\"data\":\"<base64>\"}"));
            }
        } finally {
            frame.close();
        }
    }

    /**
     * JSON parsing, base64 decoding and the header check of a frame (a few hundred kB each) run on {@code decoder},
     * not on the event loop, which then only reads sockets and writes answers; their outcomes are taken back on the
     * loop in the order the messages arrived, so frame ids and errors keep the socket's order.
     */
    private void onText(byte[] text) {
        long seq = arrived++;
        decoder.execute(() -> {
            Parsed parsed = parse(text, maxPixels);
            loop.execute(() -> parsed(seq, parsed));
        });
    }

    private void parsed(long seq, Parsed parsed) {
        reorder.put(seq, parsed);
        for (Parsed next; (next = reorder.remove(taken)) != null; taken++) {
            take(next);
        }
    }

    /** What one message turned out to be: a frame's image, or an error (of a frame, or of a message that is none). */
    record Parsed(boolean frame, byte[] image, String code, String message) {
        static Parsed image(byte[] image) {
            return new Parsed(true, image, null, null);
        }

        static Parsed badFrame(String code, String message) {
            return new Parsed(true, null, code, message);
        }

        static Parsed badMessage(String code, String message) {
            return new Parsed(false, null, code, message);
        }
    }

    /**
     * One message, read as a stream of tokens straight from its UTF-8 bytes: the base64 of {@code data} is decoded
     * from the parser's own buffer, never held as a tree or a String (a frame's text is a few hundred kB, and the tree
     * with its String copies cost more CPU than the rest of the gateway's work on a frame). The whole message is read
     * before anything is judged, so malformed JSON is INVALID_JSON wherever it breaks; as in a tree, a repeated field's
     * last value counts.
     */
    static Parsed parse(byte[] text, long maxPixels) {
        String type = null;
        boolean dataText = false;
        byte[] image = null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                p.skipChildren();
                while (p.nextToken() != null) {
                    // Read to the end: trailing garbage after a non-object is still not JSON.
                }
                return Parsed.badMessage("INVALID_MESSAGE", EXPECTED_FRAME);
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("type".equals(name)) {
                    type = value == JsonToken.VALUE_STRING ? p.getText() : null;
                } else if ("data".equals(name) && value == JsonToken.VALUE_STRING) {
                    dataText = true;
                    image = base64(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                } else {
                    if ("data".equals(name)) {
                        dataText = false;
                        image = null;
                    }
                    p.skipChildren();
                }
            }
            while (p.nextToken() != null) {
                // Tokens after the object: a second value is accepted as a tree reader would, broken JSON is not.
            }
        } catch (IOException e) {
            return Parsed.badMessage("INVALID_JSON", "The message is not JSON");
        }
        if (!"frame".equals(type)) {
            return Parsed.badMessage("INVALID_MESSAGE", EXPECTED_FRAME);
        }
        if (!dataText) {
            return Parsed.badFrame("INVALID_FRAME", "data must be a base64-encoded JPEG or PNG");
        }
        if (image == null) {
            return Parsed.badFrame("INVALID_FRAME", "data is not valid base64");
        }
        Optional<ImageHeader> header = ImageHeader.read(image);
        if (header.isEmpty()) {
            return Parsed.badFrame("INVALID_FRAME", "The frame is not a JPEG, PNG, WebP or BMP image");
        }
        if (header.get().pixels() > maxPixels) {
            return Parsed.badFrame("IMAGE_TOO_LARGE", "The frame has more than " + maxPixels + " pixels");
        }
        return Parsed.image(image);
    }

    private static final String EXPECTED_FRAME = "Expected {\"type\":\"frame\",\"data\":\"<base64 JPEG/PNG>\"}";

    /**
     * The bytes {@code chars[offset, offset + length)} encode in base64 (after a {@code data:...,} URL prefix, if
     * any; line breaks and other characters outside the alphabet are skipped, as the MIME decoder does), or null when
     * they are not base64.
     */
    private static byte[] base64(char[] chars, int offset, int length) {
        int start = offset;
        int end = offset + length;
        if (length >= 5 && chars[offset] == 'd' && chars[offset + 1] == 'a' && chars[offset + 2] == 't'
                && chars[offset + 3] == 'a' && chars[offset + 4] == ':') {
            for (int i = offset; i < end; i++) {
                if (chars[i] == ',') {
                    start = i + 1;
                    break;
                }
            }
        }
        byte[] ascii = new byte[end - start];
        for (int i = start; i < end; i++) {
            char c = chars[i];
            // Beyond Latin-1 is outside base64's alphabet: as '%', skipped by the MIME decoder like any such byte.
            ascii[i - start] = c < 0x100 ? (byte) c : (byte) '%';
        }
        try {
            return Base64.getMimeDecoder().decode(ascii);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void take(Parsed parsed) {
        if (closed) {
            return;
        }
        if (!parsed.frame()) {
            error(null, parsed.code(), parsed.message());
            return;
        }
        long id = nextFrameId++;
        if (parsed.image() == null) {
            error(id, parsed.code(), parsed.message());
            return;
        }
        if (queue.size() >= queueSize) {
            queue.pollFirst();
            dropped++;
            metrics.dropped();
        }
        queue.addLast(new Frame(id, parsed.image(), System.nanoTime()));
        pump();
    }

    /** Starts the next queued frame if none is at the detector and the socket's frame-rate budget allows. */
    private void pump() {
        if (closed || inFlight || settings == null || queue.isEmpty()) {
            return;
        }
        long wait = lastStartNanos + minIntervalNanos - System.nanoTime();
        if (wait > 0) {
            if (!waking) {
                waking = true;
                loop.schedule(() -> {
                    waking = false;
                    pump();
                }, wait, TimeUnit.NANOSECONDS);
            }
            return;
        }
        Frame frame = queue.pollFirst();
        inFlight = true;
        current = frame;
        lastStartNanos = System.nanoTime();
        currentThreshold = Math.max(DetectionContract.MIN_CONFIDENCE, settings.getConfidenceThreshold());
        stream().send(DetectRequest.newBuilder().setModelId(settings.getModelId())
                .setConfidenceThreshold(currentThreshold).setFrameId(frame.id())
                .setImage(Image.newBuilder().setEncoded(ByteString.copyFrom(frame.image()))).build());
    }

    /**
     * The socket's one DetectStream to the coordinator, opened on first use: the caller is authenticated once per
     * stream instead of once per frame, and frames of a socket keep one route to one node. Answers and the stream's
     * end are hopped to the socket's event loop, in the order gRPC delivered them.
     */
    private DetectionStream stream() {
        if (stream == null) {
            DetectionStream[] opened = new DetectionStream[1];
            opened[0] = caller.inferenceAsync().openStream(response -> loop.execute(() -> answered(opened[0],
                    response)));
            stream = opened[0];
            stream.done().whenCompleteAsync((ignored, t) -> ended(opened[0], t), loop);
        }
        return stream;
    }

    private void answered(DetectionStream from, DetectResponse response) {
        if (from != stream || !inFlight || closed) {
            return;
        }
        inFlight = false;
        answer(current, response, currentThreshold);
        current = null;
        pump();
    }

    /** The stream ended (a frame the node refused ends it, as does a node going away): the next frame opens another. */
    private void ended(DetectionStream from, Throwable t) {
        if (from != stream) {
            return;
        }
        stream = null;
        if (closed || !inFlight) {
            return;
        }
        inFlight = false;
        Frame frame = current;
        current = null;
        FramegridException e = FramegridException.from(t == null
                ? new IllegalStateException("the detection stream ended without an answer")
                : t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
        error(frame.id(), e.code() == io.grpc.Status.Code.INVALID_ARGUMENT ? "INVALID_FRAME" : "DETECTION_FAILED",
                e.getMessage());
        pump();
    }

    private void answer(Frame frame, DetectResponse response, float threshold) {
        ObjectNode msg = Json.MAPPER.createObjectNode().put("type", "detection").put("frame_id", frame.id());
        ArrayNode objects = msg.putObject("data").putArray("detected_objects");
        int w = response.getImageWidth();
        int h = response.getImageHeight();
        for (Detection d : response.getDetectionsList()) {
            if (d.getConfidence() < threshold) {
                continue;
            }
            int x0 = clamp(Math.round(d.getBox().getX()), w);
            int y0 = clamp(Math.round(d.getBox().getY()), h);
            int x1 = clamp(Math.round(d.getBox().getX() + d.getBox().getWidth()), w);
            int y1 = clamp(Math.round(d.getBox().getY() + d.getBox().getHeight()), h);
            if (x1 <= x0 || y1 <= y0) {
                continue;
            }
            ObjectNode o = objects.addObject().put("class", d.getClassName())
                    .put("confidence", Math.round(d.getConfidence() * 10_000) / 10_000.0);
            o.putArray("bbox").add(x0).add(y0).add(x1 - x0).add(y1 - y0);
        }
        long latencyNanos = System.nanoTime() - frame.receivedNanos();
        metrics.answered(latencyNanos);
        msg.put("latency_ms", Math.round(latencyNanos / 10_000.0) / 100.0)
                .put("dropped", dropped).put("model_id", response.getModelId());
        out.tryWrite(msg.toString());
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private void error(Long frameId, String code, String message) {
        if (frameId != null) {
            metrics.error();
        }
        ObjectNode msg = Json.MAPPER.createObjectNode().put("type", "error");
        if (frameId != null) {
            msg.put("frame_id", frameId);
        }
        msg.put("dropped", dropped);
        msg.putObject("error").put("code", code).put("message", message);
        out.tryWrite(msg.toString());
    }

    @Override
    public void onError(Throwable t) {
        LOG.debug("Socket ended: {}", t.toString());
        finish();
    }

    @Override
    public void onComplete() {
        finish();
    }

    private void finish() {
        // A close frame and then the stream's end both come here: the socket leaves the gauge once.
        if (!finished) {
            finished = true;
            metrics.closed();
        }
        closed = true;
        queue.clear();
        reorder.clear();
        if (stream != null) {
            stream.close();
            stream = null;
        }
        out.close();
    }
}
