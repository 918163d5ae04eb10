package io.framegrid.gateway.detection;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Description;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.RequestObject;
import com.linecorp.armeria.server.annotation.StatusCode;
import io.framegrid.gateway.http.Credentials;
import io.framegrid.gateway.http.Required;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookDelivery;
import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.detection.DetectionClient;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Outgoing webhooks (beyond the spec, its enginelabs.ai integration): {@code POST /webhooks} registers a URL and
 * secret; every completed detection of the caller is then POSTed to it as {@code detection.completed}, signed
 * {@code X-Framegrid-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}, retried with exponential
 * backoff, each delivery listed with its outcome. The coordinators deliver (their {@code WebhookDispatcher}).
 */
@Description("Detection (E) outgoing webhooks under /api and /api/v1, on the detection port")
public final class DetectionWebhooks {
    private final FramegridClient client;

    DetectionWebhooks(FramegridClient client) {
        this.client = client;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RegisterBody(@Required String url, @Required String secret) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record WebhookJson(String webhookId, String url, List<String> events, String createdAt) {}

    public record Webhooks(List<WebhookJson> webhooks) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record DeliveryJson(String deliveryId, String event, String detectionId, String outcome, int attempts,
            Integer lastStatus, String lastError, String createdAt, String updatedAt, String nextAttemptAt) {}

    public record Deliveries(List<DeliveryJson> deliveries) {}

    public record Removed(String message) {}

    /** Registers a webhook for the caller's completed detections. */
    @Post("/webhooks")
    @StatusCode(201)
    @Description("Registers an http(s) URL and a secret (16-256 characters) for detection.completed deliveries")
    public CompletableFuture<WebhookJson> register(RequestHeaders headers, @RequestObject RegisterBody body) {
        return detection(headers).registerWebhookAsync(body.url(), body.secret()).thenApply(DetectionWebhooks::json);
    }

    /** The caller's webhooks. */
    @Get("/webhooks")
    @Description("The caller's webhooks (secrets are never shown)")
    public CompletableFuture<Webhooks> list(RequestHeaders headers) {
        return detection(headers).webhooksAsync().thenApply(l -> new Webhooks(l.getWebhooksList().stream()
                .map(DetectionWebhooks::json).toList()));
    }

    /** Removes one of the caller's webhooks. */
    @Delete("/webhooks/{webhook_id}")
    @Description("Removes one of the caller's webhooks; another user's is 404")
    public CompletableFuture<Removed> delete(RequestHeaders headers, @Param("webhook_id") String id) {
        return detection(headers).deleteWebhookAsync(id).thenApply(w -> new Removed("Webhook deleted"));
    }

    /** The deliveries to one of the caller's webhooks. */
    @Get("/webhooks/{webhook_id}/deliveries")
    @Description("The deliveries to the caller's webhook, newest first: outcome pending|delivered|failed, attempts, "
            + "the last HTTP status or error")
    public CompletableFuture<Deliveries> deliveries(RequestHeaders headers, @Param("webhook_id") String id) {
        return detection(headers).deliveriesAsync(id).thenApply(l -> new Deliveries(l.getDeliveriesList().stream()
                .map(DetectionWebhooks::json).toList()));
    }

    private DetectionClient detection(RequestHeaders headers) {
        return new DetectionClient(client.withBearerToken(Credentials.bearer(headers)));
    }

    private static WebhookJson json(Webhook w) {
        return new WebhookJson(w.getWebhookId(), w.getUrl(), w.getEventsList(),
                Instant.ofEpochMilli(w.getCreatedMs()).toString());
    }

    private static DeliveryJson json(WebhookDelivery d) {
        return new DeliveryJson(d.getDeliveryId(), d.getEvent(), d.getDetectionId(), d.getOutcome(), d.getAttempts(),
                d.getLastStatus() == 0 ? null : d.getLastStatus(), d.getLastError().isEmpty() ? null : d.getLastError(),
                Instant.ofEpochMilli(d.getCreatedMs()).toString(), Instant.ofEpochMilli(d.getUpdatedMs()).toString(),
                d.getNextAttemptMs() == 0 ? null : Instant.ofEpochMilli(d.getNextAttemptMs()).toString());
    }
}
