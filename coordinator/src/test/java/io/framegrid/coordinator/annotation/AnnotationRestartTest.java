package io.framegrid.coordinator.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.ButtonSample;
import io.framegrid.proto.annotation.v1.ShiftTarget;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.TelemetryPoint;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.annotation.AnnotationClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Product A's state across a full cluster restart (the only coordinator and its grid node stop and start again on
 * the same data directory): a live lease keeps its holder and token, committed annotations, telemetry, button data
 * and shifts are all still there, and the lease still fences.
 */
class AnnotationRestartTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private static final Duration TTL = Duration.ofHours(1);

    private static String register() {
        String name = "rs" + UUID.randomUUID().toString().substring(0, 8);
        cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Annotate123").build());
        return name + "@example.com";
    }

    private static AnnotationClient as(String email) {
        String token = cluster.client().identity().login(email, "Annotate123").getAccessToken();
        return new AnnotationClient(cluster.client().withBearerToken(token));
    }

    private static String seed() {
        String id = UUID.randomUUID().toString();
        cluster.ignite().<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS).put(id, Video.newBuilder().setVideoId(id)
                .setTitle("clip").setUploaderId("u").setUploadDateMs(cluster.clock().millis()).setFrames(100).setFps(25)
                .setDurationMs(4000).build().toByteArray());
        return id;
    }

    @Test
    void locksAnnotationsAndSyncDataSurviveAFullRestart() {
        String alice = register();
        String bob = register();
        String locked = seed();
        String done = seed();
        AnnotationClient a = as(alice);
        Video lease = a.startAsync(locked, TTL).join();
        a.startAsync(done, TTL).join();
        a.commitAsync(done, "", List.of(Annotation.newBuilder().setTimestampMs(40).setSpeedMps(9.5).setButtonState(1)
                .build())).join();
        a.putTelemetryAsync(done, List.of(TelemetryPoint.newBuilder().setTimestampMs(0).setHasSpeed(true).setSpeedMps(9)
                .build())).join();
        a.putButtonTimestampsAsync(locked, List.of(ButtonSample.newBuilder().setTimestampMs(10).setState(1).build())).join();
        a.shiftAsync(locked, ShiftTarget.SHIFT_TARGET_VIDEO, 1_500_000).join();

        cluster.restart();

        AnnotationClient a2 = as(alice);
        Video after = a2.videoAsync(locked).join();
        assertThat(after.getLease().getHolderId()).isEqualTo(lease.getLease().getHolderId());
        assertThat(after.getLease().getToken()).isEqualTo(lease.getLease().getToken());
        assertThat(after.getLease().getExpiresMs()).isEqualTo(lease.getLease().getExpiresMs());
        // Still fenced: bob cannot take it, and nothing is free for him.
        assertThat(refusal(() -> as(bob).startAsync(locked, TTL).join())).isEqualTo("VIDEO_LOCKED");
        assertThat(refusal(() -> as(bob).nextUnannotatedAsync(true, TTL).join())).isEqualTo("NO_UNANNOTATED_VIDEO");

        assertThat(a2.videoAsync(done).join().getAnnotated()).isTrue();
        assertThat(a2.annotationsAsync(done).join().getAnnotations(0).getSpeedMps()).isEqualTo(9.5);
        assertThat(a2.telemetryAsync(done).join().getPoints(0).getSpeedMps()).isEqualTo(9);
        Sync sync = a2.syncAsync(locked).join();
        assertThat(sync.getVideoOffsetUs()).isEqualTo(1_500_000);
        assertThat(sync.getButtons(0).getTimestampMs()).isEqualTo(10);

        // The lease taken before the restart commits after it, with its token.
        a2.commitAsync(locked, Long.toString(lease.getLease().getToken()), List.of()).join();
        assertThat(a2.videoAsync(locked).join().getAnnotated()).isTrue();
    }

    private static String refusal(Runnable call) {
        try {
            call.run();
        } catch (CompletionException e) {
            return ((FramegridException) e.getCause()).reason();
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }
}
