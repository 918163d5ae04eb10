package io.framegrid.coordinator.identity;

import de.mkammerer.argon2.Argon2;
import de.mkammerer.argon2.Argon2Factory;

/** Argon2id password hashing with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). */
public final class PasswordHasher {
    private static final int ITERATIONS = 2;
    private static final int MEMORY_KIB = 19 * 1024;
    private static final int PARALLELISM = 1;

    private final Argon2 argon2 = Argon2Factory.create(Argon2Factory.Argon2Types.ARGON2id);
    // Verifying against this when a login names no account keeps response time from revealing which accounts exist.
    private final String decoy;

    public PasswordHasher() {
        this.decoy = hash("decoy-password-never-matches");
    }

    public String hash(String password) {
        char[] chars = password.toCharArray();
        try {
            return argon2.hash(ITERATIONS, MEMORY_KIB, PARALLELISM, chars);
        } finally {
            argon2.wipeArray(chars);
        }
    }

    public boolean verify(String hash, String password) {
        char[] chars = password.toCharArray();
        try {
            return argon2.verify(hash == null || hash.isEmpty() ? decoy : hash, chars) && hash != null && !hash.isEmpty();
        } finally {
            argon2.wipeArray(chars);
        }
    }

    /** Burns the same time as a real verification. */
    public void verifyDecoy(String password) {
        verify(null, password);
    }
}
