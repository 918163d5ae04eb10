package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.gateway.annotation.AnnotationFixtures.Annotator;
import io.framegrid.proto.annotation.v1.CommitResponse;
import io.framegrid.proto.annotation.v1.Video;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pool under load, over HTTP: 64 annotators (each their own user) loop {@code next_unannotated?lock=true}
 * → {@code commit} over 100 videos, 16 of which were claimed earlier by annotators who walked away (their leases
 * expire on the coordinator's moved clock and are reclaimed). Every video is committed exactly once, by whoever
 * held it, no two annotators ever hold one video at once, nothing answers 5xx, and the walked-away tokens are refused.
 */
class AnnotationPoolLoadTest {
    private static final int ANNOTATORS = 64;
    private static final int VIDEOS = 100;
    private static final int ABANDONED = 16;

    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of("gateway.annotation.lock-ttl", "2m"));

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    private record Claim(String videoId, String token) {}

    @Test
    void everyVideoIsCommittedOnceByItsOnlyHolder() throws Exception {
        Set<String> seeded = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < VIDEOS; i++) {
            seeded.add(fx.seed("load " + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(ANNOTATORS);
        try {
            // Sign-ups one after another: password hashing is deliberately slow, and it is not what is tested here.
            List<Annotator> annotators = new ArrayList<>();
            for (int i = 0; i < ANNOTATORS; i++) {
                annotators.add(fx.annotator());
            }

            // Walked away: claimed, never committed.
            List<Claim> abandoned = all(pool, ABANDONED, i -> {
                Reply r = gw.get("annotation", "/api/videos/next_unannotated?lock=true", annotators.get(i).bearer());
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
                return new Claim(r.json().get("video_id").asText(), r.json().get("lock_token").asText());
            });
            gw.coordinator().clock().advance(Duration.ofMinutes(2).plusSeconds(1));

            Map<String, Integer> holders = new ConcurrentHashMap<>();
            Map<String, Integer> committedBy = new ConcurrentHashMap<>();
            List<String> problems = new CopyOnWriteArrayList<>();
            all(pool, ANNOTATORS, i -> {
                Annotator me = annotators.get(i);
                while (true) {
                    Reply next = gw.get("annotation", "/api/videos/next_unannotated?lock=true", me.bearer());
                    if (next.status() == 404) {
                        return null;
                    }
                    if (next.status() != 200) {
                        problems.add("claim: " + next);
                        return null;
                    }
                    String id = next.json().get("video_id").asText();
                    Integer other = holders.putIfAbsent(id, i);
                    if (other != null) {
                        problems.add(id + " held by " + other + " and " + i);
                    }
                    Reply commit = gw.postJson("annotation", "/api/annotations/" + id + "/commit",
                            "{\"annotations\":[{\"timestamp\":0,\"speed\":" + i + ",\"button_state\":0}],\"lock_token\":\""
                                    + next.json().get("lock_token").asText() + "\"}", me.bearer());
                    holders.remove(id, i);
                    if (commit.status() != 200) {
                        problems.add("commit: " + commit);
                    } else if (committedBy.putIfAbsent(id, i) != null) {
                        problems.add(id + " committed twice");
                    }
                }
            });
            assertThat(problems).isEmpty();
            assertThat(committedBy.keySet()).isEqualTo(seeded);
            for (Map.Entry<String, Integer> e : committedBy.entrySet()) {
                Video v = Video.parseFrom(gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS)
                        .get(e.getKey()));
                assertThat(v.getAnnotated()).isTrue();
                assertThat(v.getAnnotatedBy()).isEqualTo(annotators.get(e.getValue()).userId());
                CommitResponse stored = CommitResponse.parseFrom(gw.coordinator().ignite()
                        .<String, byte[]>cache(CacheNames.ANNOTATIONS).get(e.getKey()));
                assertThat(stored.getAnnotations(0).getSpeedMps()).isEqualTo(e.getValue().doubleValue());
            }
            // The abandoned videos were reclaimed (all 100 committed); their first holders' tokens are refused.
            assertThat(abandoned.stream().map(Claim::videoId).collect(Collectors.toSet())).hasSize(ABANDONED);
            for (int i = 0; i < ABANDONED; i++) {
                Claim c = abandoned.get(i);
                Reply late = gw.postJson("annotation", "/api/annotations/" + c.videoId() + "/commit",
                        "{\"annotations\":[],\"lock_token\":\"" + c.token() + "\"}", annotators.get(i).bearer());
                AnnotationFixtures.assertError(late, 409);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Task<T> {
        T run(int i) throws Exception;
    }

    /** {@code task(0..n-1)} on {@code pool}, all started together; their results in order. */
    private static <T> List<T> all(ExecutorService pool, int n, Task<T> task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            Callable<T> c = () -> {
                go.await();
                return task.run(index);
            };
            futures.add(pool.submit(c));
        }
        go.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get());
        }
        return out;
    }

}
