package io.framegrid.coordinator.studio;

import io.framegrid.config.FramegridConfig;
import io.framegrid.config.settings.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Product B's coordinator-side settings, read from {@code gateway.studio.*} (the surface's keys, one place for the
 * product): requests per minute and monthly credits per tier, the credit packages, their currency, the payment
 * provider and how long a presigned result URL lasts.
 */
record StudioSettings(Map<String, Long> requestsPerMinute, Map<String, Long> monthlyCredits,
                      Map<String, CreditPackage> packages, String currency, String paymentProvider,
                      java.time.Duration resultUrlTtl) {

    /** A package: its name, the credits it adds and its price in minor units (cents). */
    record CreditPackage(String name, long credits, long amountMinor) {}

    static StudioSettings from(FramegridConfig config) {
        FramegridConfig.Gateway.SurfaceSettings s = config.gateway().surface("studio");
        Map<String, Long> rpm = new LinkedHashMap<>();
        Map<String, Long> monthly = new LinkedHashMap<>();
        for (String tier : new String[] {"free", "pro", "enterprise"}) {
            rpm.put(tier, (long) s.positiveInt("requests-per-minute." + tier));
            monthly.put(tier, s.getLong("monthly-credits." + tier));
        }
        return new StudioSettings(rpm, monthly, packages(s.key("credit-packages"), s.getString("credit-packages")),
                s.getString("currency"), s.getString("payment-provider"), s.duration("result-url-ttl"));
    }

    /** {@code name:credits:price,...} with the price in the currency's units ({@code 99.99}). */
    static Map<String, CreditPackage> packages(String key, String raw) {
        Map<String, CreditPackage> packages = new LinkedHashMap<>();
        for (String entry : raw.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":");
            try {
                if (parts.length != 3 || parts[0].isBlank()) {
                    throw new NumberFormatException();
                }
                long credits = Long.parseLong(parts[1].trim());
                long minor = new java.math.BigDecimal(parts[2].trim()).movePointRight(2).longValueExact();
                if (credits <= 0 || minor < 0) {
                    throw new NumberFormatException();
                }
                packages.put(parts[0].trim(), new CreditPackage(parts[0].trim(), credits, minor));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new ConfigException(key + ": '" + entry + "' is not name:credits:price (e.g. pro_1000:1000:99.99)");
            }
        }
        return packages;
    }

    long requestsPerMinute(String tier) {
        return requestsPerMinute.getOrDefault(tier, requestsPerMinute.get("free"));
    }

    long monthlyCredits(String tier) {
        return monthlyCredits.getOrDefault(tier, monthlyCredits.get("free"));
    }
}
