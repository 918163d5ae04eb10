package io.framegrid.coordinator.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.coordinator.testing.InProcessTransport;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.proto.annotation.AnnotationContract;
import io.framegrid.proto.annotation.v1.Annotation;
import io.framegrid.proto.annotation.v1.AnnotationServiceGrpc;
import io.framegrid.proto.annotation.v1.RegisterVideoRequest;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.sdk.FramegridException;
import io.framegrid.sdk.annotation.AnnotationClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The grid-held annotation leases over in-process gRPC: contention, renewal, fencing, expiry by the reaper. */
class AnnotationGrpcServiceTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension(Map.of(), new InProcessTransport());

    private static final Duration TTL = Duration.ofMinutes(2);

    private record User(String id, AnnotationClient client) {}

    private static User user() {
        String name = "an" + UUID.randomUUID().toString().substring(0, 8);
        String id = cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Annotate123").build()).getUserId();
        String token = cluster.client().identity().login(name + "@example.com", "Annotate123").getAccessToken();
        return new User(id, cluster.client().withBearerToken(token).product(AnnotationClient.class));
    }

    private static AnnotationClient admin() {
        String token = cluster.client().identity().login("admin@framegrid.local", "AdminPass123").getAccessToken();
        return new AnnotationClient(cluster.client().withBearerToken(token));
    }

    private static IgniteCache<String, byte[]> videos() {
        return cluster.ignite().cache(CacheNames.ANNOTATION_VIDEOS);
    }

    /** A video straight into the pool (what RegisterVideo stores after a probe), uploaded now. */
    private static String seed() {
        String id = UUID.randomUUID().toString();
        videos().put(id, Video.newBuilder().setVideoId(id).setTitle("clip").setUploaderId("u")
                .setUploadDateMs(cluster.clock().millis()).setFrames(100).setFps(25).setDurationMs(4000)
                .build().toByteArray());
        return id;
    }

    private static Video stored(String id) throws Exception {
        return Video.parseFrom(videos().get(id));
    }

    /** Leases every free video of the pool to a bystander, so a test sees only the videos it seeds. */
    private static void drainPool() {
        AnnotationClient bystander = user().client();
        while (true) {
            try {
                bystander.nextUnannotatedAsync(true, Duration.ofHours(20)).join();
            } catch (CompletionException e) {
                assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
                return;
            }
        }
    }

    private static FramegridException failure(CompletableFuture<?> call) {
        try {
            call.join();
        } catch (CompletionException e) {
            return (FramegridException) e.getCause();
        }
        throw new AssertionError("call succeeded but was expected to fail");
    }

    private static Status.Code code(Throwable t) {
        return ((FramegridException) (t instanceof CompletionException ? t.getCause() : t)).code();
    }

    private static List<Annotation> annotations() {
        return List.of(Annotation.newBuilder().setTimestampMs(0).setSpeedMps(12.5).setButtonState(0).build(),
                Annotation.newBuilder().setTimestampMs(100).setSpeedMps(12.75).setButtonState(1).build());
    }

    @Test
    void startRenewsForTheHolderAndRefusesAnotherUser() {
        String id = seed();
        User alice = user();
        User bob = user();
        Video first = alice.client().startAsync(id, TTL).join();
        assertThat(first.getLease().getHolderId()).isEqualTo(alice.id());
        cluster.clock().advance(Duration.ofSeconds(30));
        Video renewed = alice.client().startAsync(id, TTL).join();
        assertThat(renewed.getLease().getToken()).isEqualTo(first.getLease().getToken());
        // The test clock runs on from where it was moved: the renewal expires at least 30 s later.
        assertThat(renewed.getLease().getExpiresMs()).isGreaterThanOrEqualTo(first.getLease().getExpiresMs() + 30_000);
        FramegridException refused = failure(bob.client().startAsync(id, TTL));
        assertThat(refused.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(refused.reason()).isEqualTo("VIDEO_LOCKED");
        assertThat(refused.getMessage()).contains("Video is already locked by another user");
    }

    @Test
    void aStaleTokenAfterExpiryAndRelockWritesNothing() throws Exception {
        String id = seed();
        User alice = user();
        User bob = user();
        String aliceToken = Long.toString(alice.client().startAsync(id, TTL).join().getLease().getToken());
        cluster.clock().advance(TTL.plusSeconds(1));
        Video bobs = bob.client().startAsync(id, TTL).join();
        assertThat(bobs.getLease().getToken()).isGreaterThan(Long.parseLong(aliceToken));

        FramegridException stale = failure(alice.client().commitAsync(id, aliceToken, annotations()));
        assertThat(stale.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(stale.reason()).isEqualTo("STALE_LOCK");
        // Even bob's own commit with alice's old token is refused: the token fences, not only the holder.
        assertThat(failure(bob.client().commitAsync(id, aliceToken, annotations())).reason()).isEqualTo("STALE_LOCK");
        assertThat(cluster.ignite().<String, byte[]>cache(CacheNames.ANNOTATIONS).get(id)).isNull();
        assertThat(stored(id).getAnnotated()).isFalse();
        assertThat(stored(id).getLease().getHolderId()).isEqualTo(bob.id());

        CommitResponse done = bob.client().commitAsync(id, Long.toString(bobs.getLease().getToken()), annotations()).join();
        assertThat(done.getAnnotationsList()).isEqualTo(annotations());
        assertThat(stored(id).getAnnotated()).isTrue();
        assertThat(stored(id).hasLease()).isFalse();
        assertThat(CommitResponse.parseFrom(cluster.ignite().<String, byte[]>cache(CacheNames.ANNOTATIONS).get(id))
                .getAnnotationsList()).isEqualTo(annotations());
        // Committed once: a second commit and a new start are conflicts.
        assertThat(failure(bob.client().commitAsync(id, "", annotations())).reason()).isEqualTo("VIDEO_ANNOTATED");
        assertThat(failure(alice.client().startAsync(id, TTL)).reason()).isEqualTo("VIDEO_ANNOTATED");
    }

    @Test
    void commitNeedsTheLeaseAndValidAnnotations() throws Exception {
        String id = seed();
        User alice = user();
        assertThat(failure(alice.client().commitAsync(id, "", annotations())).reason()).isEqualTo("NOT_LOCKED");
        alice.client().startAsync(id, TTL).join();
        List<Annotation> bad = List.of(Annotation.newBuilder().setTimestampMs(5).setSpeedMps(-1).build());
        FramegridException invalid = failure(alice.client().commitAsync(id, "", bad));
        assertThat(invalid.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(invalid.getMessage()).contains("annotations[0].speed");
        List<Annotation> button = List.of(Annotation.newBuilder().setTimestampMs(5).setButtonState(2).build());
        assertThat(failure(alice.client().commitAsync(id, "", button)).getMessage()).contains("button_state");
        assertThat(stored(id).getAnnotated()).isFalse();
        assertThat(stored(id).getLease().getHolderId()).isEqualTo(alice.id());
        assertThat(failure(user().client().commitAsync(id, "", annotations())).reason()).isEqualTo("VIDEO_LOCKED");
    }

    @Test
    void concurrentClaimsEachGetADifferentVideoOrNone() throws Exception {
        drainPool();
        Set<String> seeded = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            seeded.add(seed());
        }
        int annotators = 12;
        List<User> users = new ArrayList<>();
        for (int i = 0; i < annotators; i++) {
            users.add(user());
        }
        ExecutorService pool = Executors.newFixedThreadPool(annotators);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Video>> claims = new ArrayList<>();
        try {
            for (User u : users) {
                claims.add(pool.submit(() -> {
                    go.await();
                    try {
                        return u.client().nextUnannotatedAsync(true, TTL).join();
                    } catch (CompletionException e) {
                        assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND);
                        return null;
                    }
                }));
            }
            go.countDown();
            List<String> won = new ArrayList<>();
            for (int i = 0; i < annotators; i++) {
                Video v = claims.get(i).get();
                if (v != null) {
                    won.add(v.getVideoId());
                    assertThat(v.getLease().getHolderId()).isEqualTo(users.get(i).id());
                    assertThat(stored(v.getVideoId()).getLease().getHolderId()).isEqualTo(users.get(i).id());
                }
            }
            assertThat(won).doesNotHaveDuplicates();
            assertThat(new HashSet<>(won)).isEqualTo(seeded);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nextWithoutLockNamesTheOldestFreeVideoAndLeasesNothing() throws Exception {
        drainPool();
        String older = seed();
        cluster.clock().advance(Duration.ofSeconds(1));
        seed();
        User alice = user();
        assertThat(alice.client().nextUnannotatedAsync(false, Duration.ZERO).join().getVideoId()).isEqualTo(older);
        assertThat(stored(older).hasLease()).isFalse();
        assertThat(alice.client().nextUnannotatedAsync(true, TTL).join().getVideoId()).isEqualTo(older);
        assertThat(user().client().nextUnannotatedAsync(false, Duration.ZERO).join().getVideoId()).isNotEqualTo(older);
    }

    @Test
    void theReaperFreesAnExpiredLeaseWithoutARequest() throws Exception {
        String id = seed();
        user().client().startAsync(id, Duration.ofSeconds(5)).join();
        assertThat(stored(id).hasLease()).isTrue();
        cluster.clock().advance(Duration.ofSeconds(6));
        await().atMost(Duration.ofSeconds(5)).until(() -> !stored(id).hasLease());
        assertThat(stored(id).getLastToken()).isEqualTo(1);
    }

    @Test
    void unlockIsForTheHolderOrAnAdmin() throws Exception {
        String id = seed();
        User alice = user();
        alice.client().startAsync(id, TTL).join();
        FramegridException forbidden = failure(user().client().unlockAsync(id));
        assertThat(forbidden.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(stored(id).getLease().getHolderId()).isEqualTo(alice.id());
        alice.client().unlockAsync(id).join();
        assertThat(stored(id).hasLease()).isFalse();
        alice.client().startAsync(id, TTL).join();
        admin().unlockAsync(id).join();
        assertThat(stored(id).hasLease()).isFalse();
        assertThat(failure(alice.client().unlockAsync("no-such-video")).code()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void registerTakesOnlyTheCallersProbedMedia() throws Exception {
        String name = "an" + UUID.randomUUID().toString().substring(0, 8);
        String aliceId = cluster.client().identity().register(RegisterRequest.newBuilder().setEmail(name + "@example.com")
                .setUsername(name).setPassword("Annotate123").build()).getUserId();
        var alice = cluster.client().withBearerToken(cluster.client().identity()
                .login(name + "@example.com", "Annotate123").getAccessToken())
                .prepared(AnnotationServiceGrpc.newBlockingStub(cluster.client().channel()));
        var media = cluster.server().mediaLibrary();
        String unprobed = UUID.randomUUID().toString();
        media.register(unprobed, aliceId, "drive.mp4", "video/mp4", 10, "00", Map.of());
        assertThatThrownBy(() -> alice.registerVideo(register(unprobed)))
                .hasMessageContaining("FAILED_PRECONDITION");

        String probed = UUID.randomUUID().toString();
        media.register(probed, aliceId, "morning drive.mp4", "video/mp4", 1234, "00", Map.of());
        media.putProbe(probed, Map.of(AnnotationContract.FRAMES, "100", AnnotationContract.FPS, "25.000",
                AnnotationContract.DURATION_MS, "4000"));
        var bob = user();
        FramegridException notTheirs = failure(bob.client().videoAsync(probed));
        assertThat(notTheirs.code()).isEqualTo(Status.Code.NOT_FOUND);

        Video added = alice.registerVideo(register(probed));
        assertThat(added.getTitle()).isEqualTo("morning drive");
        assertThat(added.getUploaderId()).isEqualTo(aliceId);
        assertThat(added.getFrames()).isEqualTo(100);
        assertThat(added.getDurationMs()).isEqualTo(4000);
        assertThat(added.getSizeBytes()).isEqualTo(1234);
        // One pool: another annotator sees it.
        assertThat(bob.client().videoAsync(probed).join().getTitle()).isEqualTo("morning drive");
        assertThat(stored(probed).getUploadDateMs()).isEqualTo(added.getUploadDateMs());
    }

    private static RegisterVideoRequest register(String mediaId) {
        return RegisterVideoRequest.newBuilder().setMediaId(mediaId).build();
    }
}
