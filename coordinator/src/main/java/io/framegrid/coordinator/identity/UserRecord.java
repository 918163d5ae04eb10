package io.framegrid.coordinator.identity;

/**
 * A user as stored in the grid. Fields are plain so Ignite's binary marshaller can store and
 * evolve it; instances are treated as immutable once built (updates go through {@link #copy()}).
 */
public final class UserRecord {
    String id;
    long numericId;
    String email;
    String username;
    String fullName;
    /** Argon2id PHC string, or empty for API-key-only accounts. */
    String passwordHash;
    String role;
    String tier;
    long credits;
    boolean active;
    long createdAtMillis;
    long lastLoginMillis;

    UserRecord copy() {
        UserRecord c = new UserRecord();
        c.id = id;
        c.numericId = numericId;
        c.email = email;
        c.username = username;
        c.fullName = fullName;
        c.passwordHash = passwordHash;
        c.role = role;
        c.tier = tier;
        c.credits = credits;
        c.active = active;
        c.createdAtMillis = createdAtMillis;
        c.lastLoginMillis = lastLoginMillis;
        return c;
    }

    public String id() { return id; }
    public long numericId() { return numericId; }
    public String email() { return email; }
    public String username() { return username; }
    public String fullName() { return fullName; }
    public String role() { return role; }
    public String tier() { return tier; }
    public long credits() { return credits; }
    public boolean active() { return active; }
    public long createdAtMillis() { return createdAtMillis; }
    public long lastLoginMillis() { return lastLoginMillis; }
    String passwordHash() { return passwordHash; }
}
