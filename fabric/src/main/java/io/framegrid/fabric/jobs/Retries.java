package io.framegrid.fabric.jobs;

import org.apache.ignite.cluster.ClusterTopologyException;
import org.apache.ignite.transactions.TransactionDeadlockException;
import org.apache.ignite.transactions.TransactionRollbackException;
import org.apache.ignite.transactions.TransactionTimeoutException;

/** Which grid failures are worth one more try of the same transaction. */
final class Retries {
    private Retries() {}

    static boolean transient_(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransactionTimeoutException || t instanceof TransactionDeadlockException
                    || t instanceof TransactionRollbackException || t instanceof ClusterTopologyException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Whether the transaction gave up waiting (for its locks, mostly): it waited already, no pause needed. */
    static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransactionTimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
