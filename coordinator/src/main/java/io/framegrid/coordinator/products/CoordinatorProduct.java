package io.framegrid.coordinator.products;

import io.framegrid.config.FramegridConfig;
import io.framegrid.fabric.jobs.JobTypes;
import io.framegrid.fabric.media.MediaLibrary;
import io.grpc.BindableService;
import java.time.Clock;
import java.util.List;
import org.apache.ignite.Ignite;

/**
 * A product's coordinator side: the job types it accepts and their planners. Coordinators find implementations
 * with {@link java.util.ServiceLoader} (a {@code META-INF/services/io.framegrid.coordinator.products.CoordinatorProduct}
 * file next to the product's code), so adding a product edits no coordinator class. A product that needs its own
 * RPCs (state the gateway reads and changes, beyond jobs) returns them from {@link #services}; the coordinator
 * serves them behind its authenticator, so {@code Principal.current()} is the caller there as everywhere.
 */
public interface CoordinatorProduct {
    /** The product's name, unique in the cluster; the key of its configuration ({@code gateway.<name>.*}). */
    String name();

    /** Registers the product's job types with {@code types}; called once per coordinator, before it serves. */
    void register(JobTypes types, Context context);

    /** The product's own gRPC services; called once per coordinator, after {@link #register}. None by default. */
    default List<BindableService> services(Context context) {
        return List.of();
    }

    /** Stops what {@link #services} started (timers); called once when the coordinator closes. */
    default void close() {
    }

    /**
     * What planners may read: the grid, the cluster's configuration and media library, the coordinator's clock, and
     * the coordinator's Prometheus registry (a product's metric families are served on the role's {@code /metrics}).
     */
    record Context(Ignite ignite, FramegridConfig config, MediaLibrary media, Clock clock,
            io.prometheus.metrics.model.registry.PrometheusRegistry metrics) {
        /** A context whose metrics go to a private registry nobody serves (tests without {@code /metrics}). */
        public Context(Ignite ignite, FramegridConfig config, MediaLibrary media, Clock clock) {
            this(ignite, config, media, clock, new io.prometheus.metrics.model.registry.PrometheusRegistry());
        }
    }
}
