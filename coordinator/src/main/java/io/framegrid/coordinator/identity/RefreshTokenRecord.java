package io.framegrid.coordinator.identity;

/** One issued refresh token; {@code rotated} flips once it has been exchanged. */
final class RefreshTokenRecord {
    String userId;
    String familyId;
    long expiresAtMillis;
    boolean rotated;
}
