package io.framegrid.coordinator.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.framegrid.coordinator.grpc.Errors;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Issues and verifies HS256 JWTs. The algorithm is pinned: a token whose header names any other
 * algorithm (including {@code none}) is rejected before its signature is even looked at.
 */
public final class TokenService {
    static final String TYPE_CLAIM = "typ";
    static final String ACCESS = "access";
    static final String REFRESH = "refresh";
    static final String FAMILY_CLAIM = "fam";
    static final String ROLE_CLAIM = "role";

    private final MACSigner signer;
    private final MACVerifier verifier;
    private final String issuer;
    private final Duration accessTtl;
    private final Duration refreshTtl;
    private final Clock clock;
    /** Tokens whose signature was verified, bounded; only successes are kept, so a forged token costs a MAC each time. */
    private final Cache<String, JWTClaimsSet> signed = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    public TokenService(byte[] secret, String issuer, Duration accessTtl, Duration refreshTtl, Clock clock) {
        try {
            this.signer = new MACSigner(secret);
            this.verifier = new MACVerifier(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("JWT secret must be at least 256 bits", e);
        }
        this.issuer = issuer;
        this.accessTtl = accessTtl;
        this.refreshTtl = refreshTtl;
        this.clock = clock;
    }

    public Duration accessTtl() {
        return accessTtl;
    }

    public Duration refreshTtl() {
        return refreshTtl;
    }

    public String issueAccess(String userId, String role) {
        Instant now = clock.instant();
        return sign(new JWTClaimsSet.Builder()
                .subject(userId)
                .issuer(issuer)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(accessTtl)))
                .jwtID(UUID.randomUUID().toString())
                .claim(TYPE_CLAIM, ACCESS)
                .claim(ROLE_CLAIM, role)
                .build());
    }

    /** Returns the token; its id and expiry are recorded by the caller for rotation. */
    public IssuedRefresh issueRefresh(String userId, String familyId) {
        Instant now = clock.instant();
        String jti = UUID.randomUUID().toString();
        Instant expires = now.plus(refreshTtl);
        String token = sign(new JWTClaimsSet.Builder()
                .subject(userId)
                .issuer(issuer)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .jwtID(jti)
                .claim(TYPE_CLAIM, REFRESH)
                .claim(FAMILY_CLAIM, familyId)
                .build());
        return new IssuedRefresh(token, jti, familyId, expires);
    }

    /** Verifies signature, algorithm, issuer, expiry and token type; throws UNAUTHENTICATED otherwise. */
    public JWTClaimsSet verify(String token, String expectedType) {
        // Every authenticated RPC verifies its token, mostly the same few tokens again and again: parsing and the
        // MAC were a twentieth of a detection upload's cluster CPU. A token's signature, issuer and subject never
        // change, so they are checked once; expiry (against the clock) and type are checked on every call.
        JWTClaimsSet claims = signed.getIfPresent(token);
        if (claims == null) {
            claims = verifySigned(token);
            signed.put(token, claims);
        }
        Date exp = claims.getExpirationTime();
        if (exp == null || !clock.instant().isBefore(exp.toInstant())) {
            throw Errors.unauthenticated("TOKEN_EXPIRED", "Token has expired");
        }
        Object type = claims.getClaim(TYPE_CLAIM);
        if (!expectedType.equals(type)) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Wrong token type: expected an " + expectedType + " token");
        }
        return claims;
    }

    /** The claims of a token whose algorithm, signature, issuer and subject are right; UNAUTHENTICATED otherwise. */
    private JWTClaimsSet verifySigned(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Malformed token");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Token algorithm not accepted");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw Errors.unauthenticated("INVALID_TOKEN", "Token signature is invalid");
            }
        } catch (JOSEException e) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Token signature is invalid");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Malformed token claims");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Token issuer not accepted");
        }
        if (claims.getSubject() == null || claims.getSubject().isEmpty()) {
            throw Errors.unauthenticated("INVALID_TOKEN", "Token has no subject");
        }
        return claims;
    }

    private String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("Cannot sign token", e);
        }
        return jwt.serialize();
    }

    /** A freshly signed refresh token and what must be recorded about it. */
    public record IssuedRefresh(String token, String jti, String familyId, Instant expiresAt) {}
}
