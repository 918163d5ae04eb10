package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Job types as products register them: one planner a type, limits kept with it. */
class JobTypesTest {
    @Test
    void aTypeRegisteredTwiceIsRefusedAndTheFirstPlannerStays() {
        JobTypes types = JobTypes.withBuiltIns()
                .register("a.job", meta -> List.of(JobTypes.stage("first", "a.task", 1, meta)), Duration.ofMinutes(5));

        assertThatThrownBy(() -> types.register("a.job", meta -> List.of(JobTypes.stage("second", "b.task", 2, meta)),
                Duration.ofMinutes(1))).isInstanceOf(IllegalStateException.class).hasMessageContaining("'a.job'");
        assertThatThrownBy(() -> types.register(JobTypes.NOOP, meta -> List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'noop'");

        assertThat(types.plan("a.job", Map.of()).orElseThrow()).singleElement()
                .satisfies(stage -> assertThat(stage.getTaskType()).isEqualTo("a.task"));
        assertThat(types.maxDuration("a.job")).isEqualTo(Duration.ofMinutes(5));
    }
}
