package io.framegrid.coordinator.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Reframer API keys: {@code vr_} + 32 random base-62 characters (190 bits). Only a SHA-256 of the
 * key is stored; a fast hash suffices because the key itself is high-entropy, unlike a password.
 */
final class ApiKeys {
    static final String PREFIX = "vr_";
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private final SecureRandom random = new SecureRandom();

    String generate() {
        StringBuilder key = new StringBuilder(PREFIX);
        for (int i = 0; i < 32; i++) {
            key.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return key.toString();
    }

    static String hash(String apiKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
