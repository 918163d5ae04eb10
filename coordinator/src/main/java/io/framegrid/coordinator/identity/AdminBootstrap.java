package io.framegrid.coordinator.identity;

import io.framegrid.config.FramegridConfig;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the configured first administrator once; later starts find it and do nothing. */
public final class AdminBootstrap {
    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

    private AdminBootstrap() {}

    public static void ensureAdmin(UserDirectory directory, PasswordHasher hasher, FramegridConfig.Identity identity,
                                   Path dataDir) {
        if (identity.adminEmail().isBlank() || directory.byLogin(identity.adminEmail()).isPresent()) {
            return;
        }
        String password = identity.adminPassword();
        boolean generated = password.isBlank();
        if (generated) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "9a";
        }
        try {
            directory.create(identity.adminEmail(), identity.adminUsername(), "Administrator", hasher.hash(password),
                    "admin", "enterprise", 0, null);
        } catch (StatusRuntimeException e) {
            // Another coordinator bootstrapped it concurrently.
            return;
        }
        if (generated) {
            Path file = dataDir.resolve("initial-admin-password");
            try {
                Files.createDirectories(dataDir);
                Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // Non-POSIX file system: the directory's permissions are all we have.
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write " + file, e);
            }
            log.warn("Created administrator {}; its generated password is in {}", identity.adminEmail(), file);
        } else {
            log.info("Created administrator {} from configuration", identity.adminEmail());
        }
    }
}
