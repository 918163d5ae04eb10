package io.framegrid.gateway.http;

import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Tells a client that went away (closed its connection or stream mid-request) from a server failure: the first is
 * ordinary traffic, logged at DEBUG and never answered or counted as a 5xx. Whatever failed downstream of the hang-up
 * (the SDK call it cancelled, a stream it cut short) counts too, since the request itself ended with the hang-up.
 */
final class ClientGone {
    private ClientGone() {}

    static boolean test(ServiceRequestContext ctx, Throwable failure) {
        if (ctx != null && ctx.request().whenComplete().isCompletedExceptionally()
                && causedByHangUp(requestFailure(ctx))) {
            return true;
        }
        return causedByHangUp(failure);
    }

    private static Throwable requestFailure(ServiceRequestContext ctx) {
        try {
            ctx.request().whenComplete().getNow(null);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static boolean causedByHangUp(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Only the transport's own signals: our aborts and cancellations (a refused body) are not a hang-up.
            if (t instanceof ClosedSessionException || t instanceof ClosedStreamException) {
                return true;
            }
        }
        return false;
    }
}
