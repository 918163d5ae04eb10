package io.framegrid.coordinator.detection;

import io.framegrid.coordinator.grpc.Errors;
import io.framegrid.coordinator.identity.Principal;
import io.framegrid.proto.detection.v1.DeliveryList;
import io.framegrid.proto.detection.v1.DetectionWebhookServiceGrpc;
import io.framegrid.proto.detection.v1.ListWebhooksRequest;
import io.framegrid.proto.detection.v1.RegisterWebhookRequest;
import io.framegrid.proto.detection.v1.Webhook;
import io.framegrid.proto.detection.v1.WebhookList;
import io.framegrid.proto.detection.v1.WebhookRef;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Clock;
import java.util.UUID;

/** E's webhook RPCs over {@link WebhookStore}: each caller registers, lists and removes only their own. */
final class DetectionWebhookGrpcService extends DetectionWebhookServiceGrpc.DetectionWebhookServiceImplBase {
    static final int MAX_PER_USER = 10;

    private final WebhookStore store;
    private final Clock clock;
    private final java.util.function.Consumer<Webhook> onRegistered;

    DetectionWebhookGrpcService(WebhookStore store, Clock clock, java.util.function.Consumer<Webhook> onRegistered) {
        this.store = store;
        this.clock = clock;
        this.onRegistered = onRegistered;
    }

    /** Registers an http(s) URL and a secret of 16 to 256 characters for the caller. */
    @Override
    public void registerWebhook(RegisterWebhookRequest request, StreamObserver<Webhook> response) {
        Calls.answer(response, () -> {
            Principal caller = Calls.caller();
            URI url;
            try {
                url = new URI(request.getUrl().trim());
            } catch (Exception e) {
                throw Errors.invalid("INVALID_URL", "url must be an absolute http or https URL");
            }
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                    || url.getHost() == null || request.getUrl().length() > 2048) {
                throw Errors.invalid("INVALID_URL", "url must be an absolute http or https URL");
            }
            if (request.getSecret().length() < 16 || request.getSecret().length() > 256) {
                throw Errors.invalid("INVALID_SECRET", "secret must be 16 to 256 characters");
            }
            if (store.of(caller.userId()).size() >= MAX_PER_USER) {
                throw Errors.of(io.grpc.Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_WEBHOOKS",
                        "At most " + MAX_PER_USER + " webhooks per user");
            }
            Webhook w = Webhook.newBuilder().setWebhookId(UUID.randomUUID().toString()).setOwnerId(caller.userId())
                    .setUrl(url.toString()).setSecret(request.getSecret()).addEvents(WebhookDispatcher.EVENT)
                    .setCreatedMs(clock.millis()).build();
            store.put(w);
            onRegistered.accept(w);
            return w.toBuilder().clearSecret().build();
        });
    }

    /** The caller's webhooks without their secrets. */
    @Override
    public void listWebhooks(ListWebhooksRequest request, StreamObserver<WebhookList> response) {
        Calls.answer(response, () -> {
            WebhookList.Builder list = WebhookList.newBuilder();
            store.of(Calls.caller().userId()).forEach(w -> list.addWebhooks(w.toBuilder().clearSecret()));
            return list.build();
        });
    }

    /** Removes the caller's webhook; its deliveries stay listed until they age out with the grid. */
    @Override
    public void deleteWebhook(WebhookRef request, StreamObserver<Webhook> response) {
        Calls.answer(response, () -> {
            Webhook w = owned(request.getWebhookId());
            store.remove(w.getWebhookId());
            return w.toBuilder().clearSecret().build();
        });
    }

    /** The deliveries to the caller's webhook, newest first. */
    @Override
    public void listDeliveries(WebhookRef request, StreamObserver<DeliveryList> response) {
        Calls.answer(response, () -> DeliveryList.newBuilder()
                .addAllDeliveries(store.deliveries(owned(request.getWebhookId()).getWebhookId())).build());
    }

    private Webhook owned(String id) {
        Principal caller = Calls.caller();
        return store.get(id).filter(w -> w.getOwnerId().equals(caller.userId()))
                .orElseThrow(() -> Errors.notFound("WEBHOOK_NOT_FOUND", "Webhook not found"));
    }
}
