package io.framegrid.coordinator.detection;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The integration point behind E's outgoing webhooks (the spec's enginelabs.ai, or any receiver): POSTs one signed
 * body and completes with the receiver's HTTP status, or fails when no answer came. {@link HttpWebhookTransport} is
 * the local default; a provider with its own delivery channel implements this instead.
 */
interface WebhookTransport {
    CompletableFuture<Integer> post(URI url, byte[] body, Map<String, String> headers);
}
