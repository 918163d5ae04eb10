package io.framegrid.sdk;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallCredentials;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What every domain client does to a stub and a future; kept in one place so they all behave alike. */
public final class CallSupport {
    private CallSupport() {}

    /** Applies the view's credentials (if any) and the per-call deadline. */
    public static <S extends AbstractStub<S>> S prepare(S stub, CallCredentials credentials, Duration deadline) {
        S withDeadline = deadline == null ? stub : stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        return credentials == null ? withDeadline : withDeadline.withCallCredentials(credentials);
    }

    /** A CompletableFuture that fails with {@link FramegridException}; completes on the gRPC thread (no hop). */
    public static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> future) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Futures.addCallback(future, new FutureCallback<T>() {
            @Override
            public void onSuccess(T value) {
                result.complete(value);
            }

            @Override
            public void onFailure(Throwable t) {
                result.completeExceptionally(FramegridException.from(t));
            }
        }, MoreExecutors.directExecutor());
        return result;
    }
}
