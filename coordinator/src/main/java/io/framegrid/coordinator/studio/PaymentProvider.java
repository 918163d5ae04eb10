package io.framegrid.coordinator.studio;

/**
 * Takes the money for a credit package. Implementations must be idempotent per {@code idempotencyKey} (as card
 * processors' APIs are): the studio passes the same key when a purchase is retried, so a charge that went through
 * before a crash is not taken twice. A refused payment is {@link Declined}.
 */
public interface PaymentProvider {
    /** The name {@code gateway.studio.payment-provider} selects. */
    String name();

    /** Charges {@code amountMinor} of {@code currency} to the user's {@code paymentMethod}; returns the provider's reference. */
    String charge(String userId, String paymentMethod, long amountMinor, String currency, String idempotencyKey);

    /** The provider refused the payment; nothing was charged. */
    final class Declined extends RuntimeException {
        public Declined(String message) {
            super(message, null, false, false);
        }
    }
}
