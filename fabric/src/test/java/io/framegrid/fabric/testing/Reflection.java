package io.framegrid.fabric.testing;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Service lists a server's gRPC reflection answers, in both protocol versions clients use. */
public final class Reflection {
    private Reflection() {
    }

    /** The services {@code grpc.reflection.v1.ServerReflection} lists on {@code channel}. */
    public static List<String> v1Services(Channel channel) throws Exception {
        List<String> names = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
                io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(observer(done,
                        (io.grpc.reflection.v1.ServerReflectionResponse r) -> r.getListServicesResponse()
                                .getServiceList().forEach(s -> names.add(s.getName()))));
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        return List.copyOf(names);
    }

    /** The services {@code grpc.reflection.v1alpha.ServerReflection} (older grpcurl, grpc_cli, Evans) lists. */
    @SuppressWarnings("deprecation")
    public static List<String> v1alphaServices(Channel channel) throws Exception {
        List<String> names = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
                io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(observer(done,
                        (io.grpc.reflection.v1alpha.ServerReflectionResponse r) -> r.getListServicesResponse()
                                .getServiceList().forEach(s -> names.add(s.getName()))));
        requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build());
        requests.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        return List.copyOf(names);
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<Void> done, java.util.function.Consumer<T> onNext) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                onNext.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        };
    }
}
