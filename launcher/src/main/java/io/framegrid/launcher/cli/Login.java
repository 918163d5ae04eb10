package io.framegrid.launcher.cli;

import io.framegrid.sdk.FramegridClient;
import picocli.CommandLine.Option;

/** How a CLI command reaches the coordinator and who it acts as: a bearer token, or a login. */
public final class Login {
    @Option(names = "--coordinator", defaultValue = "${env:FRAMEGRID_COORDINATOR:-127.0.0.1:9090}",
            description = "Coordinator gRPC host:port (env FRAMEGRID_COORDINATOR; default ${DEFAULT-VALUE})")
    String coordinator;
    @Option(names = "--token", defaultValue = "${env:FRAMEGRID_TOKEN}",
            description = "Access token (env FRAMEGRID_TOKEN); else --user and --password log in")
    String token;
    @Option(names = {"-u", "--user"}, defaultValue = "${env:FRAMEGRID_USER}", description = "Email or username (env FRAMEGRID_USER)")
    String user;
    @Option(names = "--password", defaultValue = "${env:FRAMEGRID_PASSWORD}", description = "Password (env FRAMEGRID_PASSWORD)")
    String password;

    /** A client for the coordinator, signed in; the caller closes the returned connection. */
    public Session open() {
        FramegridClient client = FramegridClient.builder(coordinator).build();
        try {
            String access = token;
            if (access == null || access.isBlank()) {
                if (user == null || password == null) {
                    throw new IllegalArgumentException("pass --token, or --user and --password");
                }
                access = client.identity().login(user, password).getAccessToken();
            }
            return new Session(client, client.withBearerToken(access));
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The connection and the signed-in view over it. */
    public record Session(FramegridClient connection, FramegridClient user) implements AutoCloseable {
        @Override
        public void close() {
            connection.close();
        }
    }
}
