package io.framegrid.coordinator.reconstruction;

import io.framegrid.fabric.FabricException;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.fabric.jobs.Protos;
import io.framegrid.proto.reconstruction.v1.Project;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.function.Supplier;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Product D's projects in the grid: integer id → {@link Project} as stored (owner, name, inputs, jobs; the derived
 * fields empty). Ids come from the durable counters cache in the transaction that creates the project, so they are
 * unique cluster-wide and survive a full restart (an Ignite atomic sequence lives in the non-persistent default
 * region and would start again at 1). Another owner's project reads as absent.
 */
final class ProjectStore {
    static final String COUNTER = "reconstruction.project_id";
    private static final long TX_TIMEOUT_MS = 5_000;
    private static final int MAX_ATTEMPTS = 5;

    private final Ignite ignite;
    private final IgniteCache<Long, byte[]> projects;
    private final IgniteCache<String, Long> counters;
    private final Clock clock;

    ProjectStore(Ignite ignite, Clock clock) {
        this.ignite = ignite;
        this.projects = ignite.cache(CacheNames.RECONSTRUCTION_PROJECTS);
        this.counters = ignite.cache(CacheNames.COUNTERS);
        this.clock = clock;
    }

    IgniteCache<Long, byte[]> cache() {
        return projects;
    }

    Project create(String ownerId, String name, String description) {
        return inTx(() -> {
            Long last = counters.get(COUNTER);
            long id = last == null ? 1 : last + 1;
            counters.put(COUNTER, id);
            long now = clock.millis();
            Project p = Project.newBuilder().setId(id).setOwnerId(ownerId).setName(name).setDescription(description)
                    .setCreatedMs(now).setUpdatedMs(now).build();
            projects.put(id, p.toByteArray());
            return p;
        });
    }

    /** The project if it exists and {@code ownerId} owns it (null owner: any, for admins). */
    Optional<Project> get(long id, String ownerId) {
        Project p = Protos.parse(Project.parser(), projects.get(id));
        if (p == null || ownerId != null && !p.getOwnerId().equals(ownerId)) {
            return Optional.empty();
        }
        return Optional.of(p);
    }

    Project require(long id, String ownerId) {
        return get(id, ownerId).orElseThrow(ProjectStore::notFound);
    }

    /** The owner's projects, oldest first (a scan: a user has a handful, the cluster thousands at most). */
    List<Project> list(String ownerId) {
        List<Project> all = new ArrayList<>();
        for (Cache.Entry<Long, byte[]> e : projects) {
            Project p = Protos.parse(Project.parser(), e.getValue());
            if (p != null && (ownerId == null || p.getOwnerId().equals(ownerId))) {
                all.add(p);
            }
        }
        all.sort(Comparator.comparingLong(Project::getId));
        return all;
    }

    /** Applies {@code change} to the owner's project in one transaction; NOT_FOUND when it is not theirs. */
    Project update(long id, String ownerId, UnaryOperator<Project> change) {
        return inTx(() -> {
            Project p = require(id, ownerId);
            Project next = change.apply(p).toBuilder().setUpdatedMs(clock.millis()).build();
            projects.put(id, next.toByteArray());
            return next;
        });
    }

    boolean remove(long id) {
        return projects.remove(id);
    }

    static FabricException notFound() {
        return FabricException.notFound("PROJECT_NOT_FOUND", "Project not found");
    }

    private <T> T inTx(Supplier<T> body) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ, TX_TIMEOUT_MS, 0)) {
                T result = body.get();
                tx.commit();
                return result;
            } catch (FabricException e) {
                throw e;
            } catch (RuntimeException e) {
                if (attempt >= MAX_ATTEMPTS || !transientFailure(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean transientFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.ignite.transactions.TransactionException
                    || c instanceof org.apache.ignite.cluster.ClusterTopologyException) {
                return true;
            }
        }
        return false;
    }
}
