package io.framegrid.fabric.jobs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;

/** Helpers for protobuf values stored as bytes in the grid. */
public final class Protos {
    private Protos() {}

    public static <T> T parse(Parser<T> parser, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Corrupt grid record: " + e.getMessage(), e);
        }
    }

    public static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000).build();
    }
}
