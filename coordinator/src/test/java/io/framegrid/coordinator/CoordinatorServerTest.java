package io.framegrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framegrid.coordinator.products.CoordinatorProduct;
import io.framegrid.coordinator.products.CoordinatorProducts;
import io.framegrid.coordinator.testing.CoordinatorExtension;
import io.framegrid.fabric.testing.Reflection;
import io.framegrid.coordinator.testing.TestJobs;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.proto.reframer.ReframerContract;
import io.framegrid.observability.Telemetry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How a coordinator finds its products, and what it serves besides them. */
class CoordinatorServerTest {
    @RegisterExtension
    static final CoordinatorExtension cluster = new CoordinatorExtension();

    @Test
    void productsOnTheClassPathAreFoundByTheirServicesFiles() {
        assertThat(CoordinatorProducts.discover()).extracting(CoordinatorProduct::name)
                .contains("reframer", "test");
        JobTypes types = cluster.server().jobTypes();
        assertThat(types.plan(ReframerContract.PROBE, Map.of())).isPresent();
        assertThat(types.plan(TestJobs.WRITE_OUTPUTS, Map.of("chunks", "2"))).isPresent();
        assertThat(types.plan(JobTypes.NOOP, Map.of())).isPresent();
    }

    @Test
    void aServerGivenItsProductsRunsThoseAloneWithTheContextItOwns() {
        AtomicReference<CoordinatorProduct.Context> seen = new AtomicReference<>();
        CoordinatorProduct only = new CoordinatorProduct() {
            @Override
            public String name() {
                return "only";
            }

            @Override
            public void register(JobTypes types, Context context) {
                seen.set(context);
                types.register("only.job", meta -> List.of(JobTypes.stage("one", "only.task", 1, meta)));
            }
        };
        try (CoordinatorServer server = new CoordinatorServer(cluster.ignite(), cluster.config(),
                // A registry of its own: the extension's server already exports the ledger's metrics on its one.
                new Telemetry(new PrometheusRegistry()), cluster.clock(), List.of(only))) {
            assertThat(server.jobTypes().plan("only.job", Map.of())).isPresent();
            assertThat(server.jobTypes().plan(ReframerContract.ANALYZE, Map.of())).isEmpty();
            assertThat(server.jobTypes().plan(JobTypes.NOOP, Map.of())).isPresent();
            assertThat(seen.get().media()).isSameAs(server.mediaLibrary());
            assertThat(seen.get().ignite()).isSameAs(cluster.ignite());
            assertThat(seen.get().clock()).isSameAs(cluster.clock());
        }
    }

    @Test
    void twoProductsOfOneNameArePackagingErrors() {
        CoordinatorProduct a = named("twin");
        CoordinatorProduct b = named("twin");
        assertThatThrownBy(() -> CoordinatorProducts.checked(List.of(a, b)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'twin'");
    }

    @Test
    void bothReflectionVersionsListTheServices() throws Exception {
        List<String> expected = List.of("framegrid.identity.v1.IdentityService", "framegrid.jobs.v1.JobService",
                "grpc.health.v1.Health");
        assertThat(Reflection.v1Services(cluster.client().channel())).containsAll(expected)
                .contains("grpc.reflection.v1.ServerReflection");
        assertThat(Reflection.v1alphaServices(cluster.client().channel())).containsAll(expected)
                .contains("grpc.reflection.v1alpha.ServerReflection");
    }

    private static CoordinatorProduct named(String name) {
        return new CoordinatorProduct() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void register(JobTypes types, Context context) {
            }
        };
    }
}
