package io.framegrid.gpunode.reframer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LocalVideosTest {

    @Test
    void tasksOfOneVideoShareOneFetchAndTheFileGoesWhenTheJobEvictsItAndTheLastTaskIsDone() throws Exception {
        LocalVideos videos = new LocalVideos(4);
        AtomicInteger fetches = new AtomicInteger();
        LocalVideos.Fetch fetch = out -> {
            fetches.incrementAndGet();
            out.write(new byte[] {1, 2, 3});
        };
        LocalVideos.Lease first = videos.acquire("m1", ".avi", fetch);
        LocalVideos.Lease second = videos.acquire("m1", ".avi", fetch);
        assertThat(fetches).hasValue(1);
        assertThat(second.file()).isEqualTo(first.file());
        assertThat(Files.readAllBytes(first.file())).containsExactly(1, 2, 3);

        videos.evict("m1");
        first.close();
        assertThat(first.file()).exists(); // still in use by the second task
        second.close();
        assertThat(first.file()).doesNotExist();
        assertThat(videos.size()).isZero();
    }

    @Test
    void idleCopiesBeyondTheCapAreDeletedOldestFirst() throws Exception {
        LocalVideos videos = new LocalVideos(1);
        Path a;
        try (LocalVideos.Lease lease = videos.acquire("a", ".mp4", out -> out.write(1))) {
            a = lease.file();
        }
        Path b;
        try (LocalVideos.Lease lease = videos.acquire("b", ".mp4", out -> out.write(2))) {
            b = lease.file();
        }
        assertThat(a).doesNotExist();
        assertThat(b).exists();
        assertThat(videos.size()).isEqualTo(1);
    }

    @Test
    void aFailedFetchLeavesNoFileAndTheNextTaskFetchesAgain() throws Exception {
        LocalVideos videos = new LocalVideos(4);
        assertThatThrownBy(() -> videos.acquire("m", ".mp4", out -> {
            out.write(9);
            throw new IOException("store unavailable");
        })).hasMessage("store unavailable");
        assertThat(videos.size()).isZero();
        try (LocalVideos.Lease lease = videos.acquire("m", ".mp4", out -> out.write(7))) {
            assertThat(Files.readAllBytes(lease.file())).containsExactly(7);
        }
    }
}
