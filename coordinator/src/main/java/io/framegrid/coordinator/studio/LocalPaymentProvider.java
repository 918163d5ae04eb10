package io.framegrid.coordinator.studio;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The default provider for clusters without a payment processor: every payment succeeds and nothing leaves the
 * cluster. Its reference is derived from the idempotency key, so a retried charge names the same payment.
 * Payment method {@code declined} is refused, so clients can exercise the refusal path.
 */
final class LocalPaymentProvider implements PaymentProvider {
    static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String charge(String userId, String paymentMethod, long amountMinor, String currency, String idempotencyKey) {
        if ("declined".equals(paymentMethod)) {
            throw new Declined("Payment declined by the provider");
        }
        return "local_" + UUID.nameUUIDFromBytes((userId + "|" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    }
}
