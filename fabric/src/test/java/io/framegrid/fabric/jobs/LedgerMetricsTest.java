package io.framegrid.fabric.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

class LedgerMetricsTest {
    @Test
    void countsTransactionsAndRetriesAndExportsThem() {
        PrometheusRegistry registry = new PrometheusRegistry();
        LedgerMetrics metrics = new LedgerMetrics().register(registry);

        metrics.transactionStarted(false);
        metrics.transactionStarted(true);
        metrics.transactionStarted(false);

        assertThat(metrics.transactions()).isEqualTo(3);
        assertThat(metrics.retries()).isEqualTo(1);
        assertThat(exported(registry, "framegrid_ledger_transactions")).isEqualTo(3);
        assertThat(exported(registry, "framegrid_ledger_transaction_retries")).isEqualTo(1);
    }

    @Test
    void instancesCountSeparately() {
        LedgerMetrics a = new LedgerMetrics();
        LedgerMetrics b = new LedgerMetrics();

        a.transactionStarted(false);

        assertThat(a.transactions()).isEqualTo(1);
        assertThat(b.transactions()).isZero();
    }

    private static double exported(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name)) {
                return ((CounterSnapshot) snapshot).getDataPoints().get(0).getValue();
            }
        }
        throw new AssertionError(name + " not exported");
    }
}
