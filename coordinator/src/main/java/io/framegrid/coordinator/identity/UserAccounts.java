package io.framegrid.coordinator.identity;

import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * A product's access to the user records it may change: the credit balance and the tier. The balance lives on the
 * user record, so every surface ({@code /auth/me} included) shows one number. {@link #lockCredits} and
 * {@link #setCredits} join the caller's pessimistic transaction (Ignite transactions are bound to the thread):
 * the first locks the record until that transaction ends, so a check of the balance still holds when the write
 * lands. The user record is locked before any other key of a product's change to it.
 */
public final class UserAccounts {
    /** Tiers a user may have. */
    public static final Set<String> TIERS = Set.of("free", "pro", "enterprise");

    /** What a product may read of a user. */
    public record Account(String userId, String email, String fullName, String tier, String role, long credits,
                          long createdAtMs) {
        static Account of(UserRecord u) {
            return new Account(u.id, u.email, u.fullName == null ? "" : u.fullName, u.tier, u.role, u.credits,
                    u.createdAtMillis);
        }
    }

    private final Ignite ignite;
    private final IgniteCache<String, UserRecord> users;

    public UserAccounts(Ignite ignite) {
        this.ignite = ignite;
        this.users = ignite.cache(CacheNames.USERS);
    }

    /** Inside the caller's transaction: locks the user's record and returns it; NOT_FOUND when there is none. */
    public Account lock(String userId) {
        UserRecord u = users.get(userId);
        if (u == null) {
            throw FabricException.notFound("USER_NOT_FOUND", "User not found");
        }
        return Account.of(u);
    }

    /** Inside the caller's transaction, after {@link #lock}: stores the new balance. */
    public void setCredits(String userId, long credits) {
        UserRecord current = users.get(userId);
        if (current == null) {
            throw FabricException.notFound("USER_NOT_FOUND", "User not found");
        }
        UserRecord updated = current.copy();
        updated.credits = credits;
        users.put(userId, updated);
    }

    /** The user as stored now (no lock). */
    public Optional<Account> get(String userId) {
        UserRecord u = users.get(userId);
        return u == null ? Optional.empty() : Optional.of(Account.of(u));
    }

    /** Changes the user's tier in a transaction of its own; NOT_FOUND / INVALID_ARGUMENT as refusals. */
    public Account setTier(String userId, String tier) {
        if (!TIERS.contains(tier)) {
            throw FabricException.invalid("INVALID_TIER", "tier must be one of free, pro, enterprise");
        }
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ)) {
            UserRecord current = users.get(userId);
            if (current == null) {
                throw FabricException.notFound("USER_NOT_FOUND", "User not found");
            }
            UserRecord updated = current.copy();
            updated.tier = tier;
            users.put(userId, updated);
            tx.commit();
            return Account.of(updated);
        }
    }

    /** How many users exist. */
    public long count() {
        return users.sizeLong(CachePeekMode.PRIMARY);
    }

    /** Every user, oldest first. */
    public List<Account> all() {
        List<Account> all = new ArrayList<>();
        try (var cursor = users.query(new ScanQuery<String, UserRecord>())) {
            for (Cache.Entry<String, UserRecord> e : cursor) {
                all.add(Account.of(e.getValue()));
            }
        }
        all.sort(Comparator.comparingLong(Account::createdAtMs).thenComparing(Account::userId));
        return all;
    }
}
