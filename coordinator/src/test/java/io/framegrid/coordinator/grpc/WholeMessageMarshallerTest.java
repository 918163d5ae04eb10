package io.framegrid.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.framegrid.coordinator.media.MediaGrpcService;
import io.framegrid.proto.media.v1.MediaServiceGrpc;
import io.framegrid.proto.media.v1.UploadChunkRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WholeMessageMarshallerTest {
    private final MethodDescriptor.Marshaller<UploadChunkRequest> marshaller = new WholeMessageMarshaller<>(
            MediaServiceGrpc.getUploadChunkMethod().getRequestMarshaller(), UploadChunkRequest.parser());

    @Test
    void largeMessagesRoundTripLikeTheStandardMarshaller() throws Exception {
        for (int size : new int[] {10, WholeMessageMarshaller.STANDARD_UP_TO + 1, 16 << 20}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            UploadChunkRequest sent = UploadChunkRequest.newBuilder().setUploadId("u-1").setChunkIndex(3)
                    .setData(ByteString.copyFrom(data)).build();

            UploadChunkRequest parsed = marshaller.parse(marshaller.stream(sent));

            assertThat(parsed).as("size %d", size).isEqualTo(sent);
        }
    }

    @Test
    void truncatedOrCorruptMessagesAreRefused() throws Exception {
        UploadChunkRequest sent = UploadChunkRequest.newBuilder().setUploadId("u-1")
                .setData(ByteString.copyFrom(new byte[WholeMessageMarshaller.STANDARD_UP_TO + 100])).build();
        byte[] bytes = marshaller.stream(sent).readAllBytes();
        byte[] corrupt = bytes.clone();
        corrupt[0] = (byte) 0xff;

        assertThatThrownBy(() -> marshaller.parse(known(corrupt))).isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> marshaller.parse(known(java.util.Arrays.copyOf(bytes, bytes.length - 10))))
                .isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void theMediaServiceParsesOnlyChunksThisWay() {
        ServerServiceDefinition bound = new MediaGrpcService(null, id -> "free").definition();

        assertThat(bound.getMethods()).hasSameSizeAs(MediaServiceGrpc.getServiceDescriptor().getMethods());
        for (ServerMethodDefinition<?, ?> m : bound.getMethods()) {
            boolean chunk = m.getMethodDescriptor().getFullMethodName()
                    .equals(MediaServiceGrpc.getUploadChunkMethod().getFullMethodName());
            assertThat(m.getMethodDescriptor().getRequestMarshaller() instanceof WholeMessageMarshaller)
                    .as(m.getMethodDescriptor().getFullMethodName()).isEqualTo(chunk);
        }
    }

    /** A stream that, like grpc-java's, knows how many bytes it holds. */
    private static InputStream known(byte[] bytes) {
        final class Known extends ByteArrayInputStream implements io.grpc.KnownLength {
            Known() {
                super(bytes);
            }
        }
        return new Known();
    }
}
