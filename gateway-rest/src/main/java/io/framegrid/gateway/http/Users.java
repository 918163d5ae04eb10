package io.framegrid.gateway.http;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.framegrid.proto.identity.v1.Role;
import io.framegrid.proto.identity.v1.Tier;
import io.framegrid.proto.identity.v1.User;
import java.util.Locale;

/** Field spellings shared by the surfaces' user bodies. */
public final class Users {
    private Users() {}

    public static String tier(User user) {
        Tier tier = user.getTier();
        return tier == Tier.TIER_UNSPECIFIED ? "free" : tier.name().substring(5).toLowerCase(Locale.ROOT);
    }

    public static String role(User user) {
        return user.getRole() == Role.ROLE_ADMIN ? "admin" : "user";
    }

    /** ISO-8601 UTC to the second ({@code 2025-01-15T10:30:00Z}), as every spec writes its times. */
    public static String iso(Timestamp ts) {
        return Timestamps.toString(Timestamp.newBuilder().setSeconds(ts.getSeconds()).build());
    }
}
