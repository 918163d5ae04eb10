package io.framegrid.coordinator.identity;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.coordinator.grpc.Errors;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * The cluster-wide user store. Uniqueness of emails and usernames is enforced with pessimistic
 * transactions over index caches, so two coordinators registering the same email at once cannot both win.
 */
public final class UserDirectory {
    private static final String USER_ID_COUNTER = "user-numeric-id";
    private final Ignite ignite;
    private final IgniteCache<String, UserRecord> users;
    private final IgniteCache<String, String> emails;
    private final IgniteCache<String, String> usernames;
    private final IgniteCache<Long, String> numericIds;
    private final IgniteCache<String, String> apiKeys;
    private final IgniteCache<String, RefreshTokenRecord> refreshTokens;
    private final IgniteCache<String, Boolean> revokedFamilies;
    private final IgniteCache<String, Long> counters;
    private final Clock clock;

    public UserDirectory(Ignite ignite, Clock clock) {
        this.ignite = ignite;
        this.users = ignite.cache(CacheNames.USERS);
        this.emails = ignite.cache(CacheNames.USER_EMAILS);
        this.usernames = ignite.cache(CacheNames.USER_NAMES);
        this.numericIds = ignite.cache(CacheNames.USER_NUMERIC_IDS);
        this.apiKeys = ignite.cache(CacheNames.API_KEYS);
        this.refreshTokens = ignite.cache(CacheNames.REFRESH_TOKENS);
        this.revokedFamilies = ignite.cache(CacheNames.REFRESH_FAMILIES);
        // A transactional counter rather than an IgniteAtomicSequence: ids then commit or roll back with the
        // user, and nothing waits on Ignite's data-structures processor, which can stall while a cluster activates.
        this.counters = ignite.cache(CacheNames.COUNTERS);
        this.clock = clock;
    }

    /** Creates the user, or throws ALREADY_EXISTS naming the taken field; never half-creates. */
    public UserRecord create(String email, String username, String fullName, String passwordHash, String role,
                             String tier, long credits, String apiKeyHash) {
        String emailKey = Validation.normalizeEmail(email);
        String nameKey = username.isBlank() ? "" : Validation.normalizeUsername(username);
        UserRecord user = new UserRecord();
        user.id = UUID.randomUUID().toString();
        user.email = email.trim();
        user.username = username.trim();
        user.fullName = fullName.trim();
        user.passwordHash = passwordHash;
        user.role = role;
        user.tier = tier;
        user.credits = credits;
        user.active = true;
        user.createdAtMillis = clock.millis();
        try (Transaction tx = pessimistic()) {
            if (emails.get(emailKey) != null) {
                throw Errors.conflict("EMAIL_TAKEN", "Email already registered");
            }
            if (!nameKey.isEmpty() && usernames.get(nameKey) != null) {
                throw Errors.conflict("USERNAME_TAKEN", "Username already taken");
            }
            Long last = counters.get(USER_ID_COUNTER);
            user.numericId = last == null ? 1 : last + 1;
            counters.put(USER_ID_COUNTER, user.numericId);
            users.put(user.id, user);
            emails.put(emailKey, user.id);
            if (!nameKey.isEmpty()) {
                usernames.put(nameKey, user.id);
            }
            numericIds.put(user.numericId, user.id);
            if (apiKeyHash != null) {
                apiKeys.put(apiKeyHash, user.id);
            }
            tx.commit();
        }
        return user;
    }

    public Optional<UserRecord> byId(String id) {
        return Optional.ofNullable(users.get(id));
    }

    /** Accepts a UUID or the numeric id some surfaces expose. */
    public Optional<UserRecord> byAnyId(String id) {
        if (id != null && !id.isEmpty() && id.chars().allMatch(Character::isDigit) && id.length() < 19) {
            String uuid = numericIds.get(Long.parseLong(id));
            return uuid == null ? Optional.empty() : byId(uuid);
        }
        return id == null || id.isEmpty() ? Optional.empty() : byId(id);
    }

    public Optional<UserRecord> byLogin(String login) {
        String trimmed = login.trim();
        String id = trimmed.contains("@")
                ? emails.get(Validation.normalizeEmail(trimmed))
                : usernames.get(Validation.normalizeUsername(trimmed));
        return id == null ? Optional.empty() : byId(id);
    }

    public Optional<UserRecord> byApiKeyHash(String hash) {
        String id = apiKeys.get(hash);
        return id == null ? Optional.empty() : byId(id);
    }

    public void touchLogin(String userId) {
        try (Transaction tx = pessimistic()) {
            UserRecord current = users.get(userId);
            if (current != null) {
                UserRecord updated = current.copy();
                updated.lastLoginMillis = clock.millis();
                users.put(userId, updated);
            }
            tx.commit();
        }
    }

    /** Applies profile changes, moving the unique index entries in the same transaction. */
    public UserRecord update(String userId, String newUsername, String newEmail, String newFullName) {
        try (Transaction tx = pessimistic()) {
            UserRecord current = users.get(userId);
            if (current == null) {
                throw Errors.notFound("USER_NOT_FOUND", "User not found");
            }
            UserRecord updated = current.copy();
            if (newEmail != null && !Validation.normalizeEmail(newEmail).equals(Validation.normalizeEmail(current.email))) {
                String key = Validation.normalizeEmail(newEmail);
                if (emails.get(key) != null) {
                    throw Errors.conflict("EMAIL_TAKEN", "Email already registered");
                }
                emails.remove(Validation.normalizeEmail(current.email));
                emails.put(key, userId);
                updated.email = newEmail.trim();
            }
            if (newUsername != null && !Validation.normalizeUsername(newUsername)
                    .equals(current.username == null ? "" : Validation.normalizeUsername(current.username))) {
                String key = Validation.normalizeUsername(newUsername);
                if (usernames.get(key) != null) {
                    throw Errors.conflict("USERNAME_TAKEN", "Username already taken");
                }
                if (current.username != null && !current.username.isEmpty()) {
                    usernames.remove(Validation.normalizeUsername(current.username));
                }
                usernames.put(key, userId);
                updated.username = newUsername.trim();
            }
            if (newFullName != null) {
                updated.fullName = newFullName.trim();
            }
            users.put(userId, updated);
            tx.commit();
            return updated;
        }
    }

    public void recordRefresh(TokenService.IssuedRefresh issued, String userId) {
        RefreshTokenRecord record = new RefreshTokenRecord();
        record.userId = userId;
        record.familyId = issued.familyId();
        record.expiresAtMillis = issued.expiresAt().toEpochMilli();
        long ttlMillis = Math.max(1, issued.expiresAt().toEpochMilli() - clock.millis());
        // Expired token records vanish on their own instead of accumulating forever.
        refreshTokens.withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, ttlMillis)))
                .put(issued.jti(), record);
    }

    /**
     * Marks {@code jti} as used and returns its record, atomically. A token used twice revokes
     * its whole family: the second presenter is either the thief or the victim, and both must log in again.
     */
    public RefreshTokenRecord consumeRefresh(String jti, String familyId) {
        try (Transaction tx = pessimistic()) {
            RefreshTokenRecord record = refreshTokens.get(jti);
            if (record == null || !record.familyId.equals(familyId)) {
                throw Errors.unauthenticated("INVALID_TOKEN", "Refresh token is not recognised");
            }
            if (Boolean.TRUE.equals(revokedFamilies.get(record.familyId))) {
                throw Errors.unauthenticated("TOKEN_REVOKED", "Refresh token has been revoked; log in again");
            }
            if (record.rotated) {
                // Every token of the family expires by the record's own expiry, so the mark need not outlive it.
                long ttlMillis = Math.max(1, record.expiresAtMillis - clock.millis());
                revokedFamilies.withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, ttlMillis)))
                        .put(record.familyId, Boolean.TRUE);
                tx.commit();
                throw Errors.unauthenticated("TOKEN_REUSED",
                        "Refresh token was already used; every session of this login has been revoked");
            }
            RefreshTokenRecord used = new RefreshTokenRecord();
            used.userId = record.userId;
            used.familyId = record.familyId;
            used.expiresAtMillis = record.expiresAtMillis;
            used.rotated = true;
            refreshTokens.put(jti, used);
            tx.commit();
            return used;
        }
    }

    public long count() {
        return users.sizeLong();
    }

    private Transaction pessimistic() {
        return ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC, TransactionIsolation.REPEATABLE_READ,
                10_000, 0);
    }
}
