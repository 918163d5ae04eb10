package io.framegrid.coordinator.detection;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * E's webhook signature: {@code X-Framegrid-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>}.
 * Signing the timestamp with the body lets a receiver refuse replays of an old delivery.
 */
final class WebhookSignature {
    static final String HEADER = "X-Framegrid-Signature";

    private WebhookSignature() {
    }

    static String header(String secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + hmacHex(secret, (unixSeconds + ".").getBytes(StandardCharsets.UTF_8), body);
    }

    static String hmacHex(String secret, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
