package io.framegrid.gateway.detection;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.proto.detection.v1.DetectedObject;
import io.framegrid.proto.detection.v1.DetectionRecord;
import io.framegrid.proto.detection.v1.HistoryRequest;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.detection.DetectionClient;
import io.framegrid.sdk.detection.HistoryExport;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /history/export}: the caller's history in the range as RFC 4180 CSV (CRLF, header row, fields quoted when
 * needed), <b>one row per detected object</b>; a detection without objects is one row with the object columns
 * empty. Streamed: records come from the coordinator's {@code ExportHistory} stream only as fast as the HTTP client
 * takes the rows (each written chunk, a page of records, asks for one more page once consumed), so 100,000 rows
 * pass through a few hundred at a time. An error after the header has gone out can only cut the response short (the connection is reset).
 */
@Description("Detection (E) history export under /api and /api/v1, on the detection port")
public final class DetectionHistoryExport {
    static final String HEADER = "detection_id,timestamp,filename,model_id,class,confidence,x,y,width,height\r\n";
    /** Pages of records (a couple of hundred each) asked for ahead of what the client has taken. */
    static final int IN_FLIGHT = 4;
    private static final Logger LOG = LoggerFactory.getLogger(DetectionHistoryExport.class);

    private final FramegridClient client;

    DetectionHistoryExport(FramegridClient client) {
        this.client = client;
    }

    /** The CSV download. */
    @Get("/history/export")
    @Description("The caller's history as CSV (text/csv attachment, one row per detected object; a detection with "
            + "none is one row with empty object columns); start_date and end_date as for /history")
    public HttpResponse export(RequestHeaders headers, @Param("start_date") @Nullable String startDate,
            @Param("end_date") @Nullable String endDate) {
        DetectionClient detection = new DetectionClient(client.withBearerToken(Credentials.bearer(headers)));
        HistoryRequest request = DetectionHistoryRoutes.range(startDate, endDate).build();
        HttpResponseWriter res = HttpResponse.streaming();
        res.write(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.CSV_UTF_8)
                .add(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"detection-history.csv\"").build());
        res.write(HttpData.ofUtf8(HEADER));
        AtomicBoolean ended = new AtomicBoolean();
        AtomicReference<HistoryExport> call = new AtomicReference<>();
        HistoryExport export = detection.exportHistory(request, new HistoryExport.Sink() {
            @Override
            public void onRecords(List<DetectionRecord> records) {
                StringBuilder chunk = new StringBuilder();
                records.forEach(r -> chunk.append(rows(r)));
                if (res.tryWrite(HttpData.ofUtf8(chunk.toString()))) {
                    res.whenConsumed().thenRun(() -> call.get().request(1));
                }
            }

            @Override
            public void onEnd(FramegridException error) {
                if (!ended.compareAndSet(false, true)) {
                    return;
                }
                if (error == null) {
                    res.close();
                } else {
                    LOG.warn("History export ended early: {}", error.getMessage());
                    res.close(error);
                }
            }
        });
        call.set(export);
        res.whenComplete().handle((v, t) -> {
            if (t != null && ended.compareAndSet(false, true)) {
                export.close();
            }
            return null;
        });
        export.request(IN_FLIGHT);
        return res;
    }

    /** The CSV rows of one detection. */
    static String rows(DetectionRecord r) {
        String prefix = field(r.getDetectionId()) + "," + Instant.ofEpochMilli(r.getCreatedMs()) + ","
                + field(r.getFilename()) + "," + field(r.getModelId()) + ",";
        if (r.getObjectsCount() == 0) {
            return prefix + ",,,,,\r\n";
        }
        StringBuilder out = new StringBuilder();
        for (DetectedObject o : r.getObjectsList()) {
            out.append(prefix).append(field(o.getClassName())).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", o.getConfidence())).append(',').append(o.getX())
                    .append(',').append(o.getY()).append(',').append(o.getWidth()).append(',').append(o.getHeight())
                    .append("\r\n");
        }
        return out.toString();
    }

    /** A field quoted when RFC 4180 requires it (comma, quote, CR or LF), inner quotes doubled. */
    static String field(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
