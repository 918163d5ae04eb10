package io.framegrid.coordinator.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request marshaller for methods whose messages run to many MiB (a 16 MiB upload chunk): the message is read into
 * one array of its exact size and parsed with aliasing, so its {@code bytes} fields are views of that array. grpc-java's
 * own marshaller does the same only up to 4 MiB; above that it parses from the stream, which copies every bytes field
 * twice (pieces, then their concatenation) and made parsing a visible share of an upload's CPU. Smaller messages and
 * streams of unknown length go to the standard marshaller.
 */
public final class WholeMessageMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
    /** Up to this size grpc-java's marshaller already parses from one (thread-local) array. */
    static final int STANDARD_UP_TO = 4 << 20;

    private final MethodDescriptor.Marshaller<T> standard;
    private final Parser<T> parser;

    WholeMessageMarshaller(MethodDescriptor.Marshaller<T> standard, Parser<T> parser) {
        this.standard = standard;
        this.parser = parser;
    }

    /** {@code service} with {@code method}'s requests parsed by this marshaller; every other method as it was. */
    public static <T extends MessageLite> ServerServiceDefinition forRequests(ServerServiceDefinition service,
            MethodDescriptor<T, ?> method, Parser<T> parser) {
        ServiceDescriptor descriptor = service.getServiceDescriptor();
        ServiceDescriptor.Builder rebuilt = ServiceDescriptor.newBuilder(descriptor.getName())
                .setSchemaDescriptor(descriptor.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            ServerMethodDefinition<?, ?> replaced = m.getMethodDescriptor().getFullMethodName()
                    .equals(method.getFullMethodName()) ? withParser(m, parser) : m;
            methods.add(replaced);
            rebuilt.addMethod(replaced.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(rebuilt.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    @SuppressWarnings("unchecked")
    private static <T extends MessageLite, R> ServerMethodDefinition<T, R> withParser(ServerMethodDefinition<?, ?> m,
            Parser<T> parser) {
        ServerMethodDefinition<T, R> typed = (ServerMethodDefinition<T, R>) m;
        MethodDescriptor<T, R> d = typed.getMethodDescriptor();
        return ServerMethodDefinition.create(d.toBuilder(new WholeMessageMarshaller<>(d.getRequestMarshaller(), parser),
                d.getResponseMarshaller()).build(), typed.getServerCallHandler());
    }

    @Override
    public InputStream stream(T value) {
        return standard.stream(value);
    }

    @Override
    public T parse(InputStream stream) {
        try {
            int size = stream instanceof KnownLength ? stream.available() : -1;
            if (size <= STANDARD_UP_TO) {
                return standard.parse(stream);
            }
            byte[] whole = new byte[size];
            if (stream.readNBytes(whole, 0, size) != size) {
                throw Status.INTERNAL.withDescription("Message shorter than its declared " + size + " bytes")
                        .asRuntimeException();
            }
            CodedInputStream in = CodedInputStream.newInstance(whole);
            // The array is this message's alone, so its bytes fields may share it.
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            T message = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
            in.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("Unreadable message").withCause(e).asRuntimeException();
        }
    }
}
