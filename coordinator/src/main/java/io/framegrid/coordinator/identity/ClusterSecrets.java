package io.framegrid.coordinator.identity;

import io.framegrid.fabric.grid.CacheNames;
import java.security.SecureRandom;
import java.util.Base64;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;

/**
 * Secrets every coordinator must share (the JWT signing key). A configured secret wins; otherwise the
 * first coordinator generates one and the grid's persistence keeps it across restarts.
 */
public final class ClusterSecrets {
    private static final String JWT_KEY = "jwt-hs256";

    private ClusterSecrets() {}

    public static byte[] jwtSecret(Ignite ignite, String configured) {
        if (configured != null && !configured.isBlank()) {
            byte[] decoded = Base64.getDecoder().decode(configured.trim());
            if (decoded.length < 32) {
                throw new IllegalArgumentException("identity.jwt.secret must decode to at least 32 bytes");
            }
            return decoded;
        }
        IgniteCache<String, byte[]> cache = ignite.cache(CacheNames.CLUSTER_SECRETS);
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        // putIfAbsent makes concurrent first starts agree on one key.
        cache.putIfAbsent(JWT_KEY, fresh);
        return cache.get(JWT_KEY);
    }
}
