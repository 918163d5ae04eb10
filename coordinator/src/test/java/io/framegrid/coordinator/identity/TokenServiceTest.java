package io.framegrid.coordinator.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.fabric.testing.MutableClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Verification results are remembered per token; what depends on time or the caller's expectation is not. */
class TokenServiceTest {
    private final MutableClock clock = new MutableClock();
    private final TokenService tokens = new TokenService(
            "a-secret-of-at-least-thirty-two-bytes!!".getBytes(StandardCharsets.UTF_8), "framegrid",
            Duration.ofMinutes(15), Duration.ofDays(7), clock);

    @Test
    void aTokenVerifiedBeforeStillExpiresOnTime() {
        String token = tokens.issueAccess("user-1", "user");
        assertThat(tokens.verify(token, TokenService.ACCESS).getSubject()).isEqualTo("user-1");

        clock.advance(Duration.ofMinutes(16));

        assertThatThrownBy(() -> tokens.verify(token, TokenService.ACCESS))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("expired");
                });
    }

    @Test
    void aTokenVerifiedAsAccessIsStillRefusedWhereARefreshTokenIsExpected() {
        String token = tokens.issueAccess("user-1", "user");
        tokens.verify(token, TokenService.ACCESS);

        assertThatThrownBy(() -> tokens.verify(token, TokenService.REFRESH))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).contains("Wrong token type"));
    }

    @Test
    void aTamperedCopyOfAVerifiedTokenIsRefusedEveryTime() {
        String token = tokens.issueAccess("user-1", "user");
        tokens.verify(token, TokenService.ACCESS);
        String[] parts = token.split("\\.");
        char last = parts[2].charAt(parts[2].length() - 2);
        String tampered = parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 2)
                + (last == 'A' ? 'B' : 'A') + parts[2].charAt(parts[2].length() - 1);

        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> tokens.verify(tampered, TokenService.ACCESS))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).contains("signature"));
        }
        assertThat(tokens.verify(token, TokenService.ACCESS).getSubject()).isEqualTo("user-1");
    }
}
