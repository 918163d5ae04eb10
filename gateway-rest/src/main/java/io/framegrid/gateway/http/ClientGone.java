package io.framegrid.gateway.http;

import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.stream.AbortedStreamException;
import com.linecorp.armeria.common.stream.CancelledSubscriptionException;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.RequestCancellationException;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.framegrid.sdk.FramegridException;
import io.grpc.Status;

/**
 * Tells a client that went away (closed its connection or stream mid-request) from a server failure: the first is
 * ordinary traffic, logged at DEBUG and never answered or counted as a 5xx.
 */
final class ClientGone {
    private ClientGone() {}

    static boolean test(ServiceRequestContext ctx, Throwable failure) {
        if (ctx != null && (ctx.isCancelled() || ctx.request().whenComplete().isCompletedExceptionally()
                && causedByHangUp(requestFailure(ctx)))) {
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
            if (t instanceof ClosedSessionException || t instanceof ClosedStreamException
                    || t instanceof CancelledSubscriptionException || t instanceof AbortedStreamException
                    || t instanceof RequestCancellationException) {
                return true;
            }
            // The SDK's call was cancelled because the HTTP request it served was.
            if (t instanceof FramegridException fe && fe.code() == Status.Code.CANCELLED) {
                return true;
            }
        }
        return false;
    }
}
