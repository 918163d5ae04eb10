package io.framegrid.fabric.media;

import io.framegrid.config.FramegridConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Blobs in an S3-compatible bucket (path-style addressing, so MinIO, s3mock, Yandex and AWS all work).
 * A blob is spooled to a local temporary file while it is written and uploaded at commit, so no
 * blob is ever held in memory and a half-written one never reaches the bucket.
 */
public final class S3BlobStore implements BlobStore {
    private final S3Client s3;
    private final String bucket;
    private final Path spool;
    private final String endpoint;
    private final S3Presigner presigner;

    public S3BlobStore(FramegridConfig.Media media, Path spool) {
        this.presigner = presigner(media);
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(media.s3Region()))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(credentials(media));
        if (!media.s3Endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(media.s3Endpoint()));
        }
        this.s3 = builder.build();
        this.bucket = media.s3Bucket();
        this.spool = spool;
        this.endpoint = media.s3Endpoint().isEmpty() ? "s3" : media.s3Endpoint();
        try {
            Files.createDirectories(spool);
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Signs with the same endpoint, region, path style and credentials as the client; no network involved. */
    static S3Presigner presigner(FramegridConfig.Media media) {
        S3Presigner.Builder builder = S3Presigner.builder().region(Region.of(media.s3Region()))
                .credentialsProvider(credentials(media))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        if (!media.s3Endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(media.s3Endpoint()));
        }
        return builder.build();
    }

    /** A presigned GET of {@code key} in {@code bucket}, valid for {@code ttl}. */
    static URI presign(S3Presigner presigner, String bucket, String key, java.time.Duration ttl) {
        try {
            return presigner.presignGetObject(GetObjectPresignRequest.builder().signatureDuration(ttl)
                    .getObjectRequest(GetObjectRequest.builder().bucket(bucket).key(key).build()).build()).url().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("Presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Optional<URI> presignedGet(String key, java.time.Duration ttl) {
        return java.util.Optional.of(presign(presigner, bucket, key, ttl));
    }

    private static AwsCredentialsProvider credentials(FramegridConfig.Media media) {
        if (media.s3AccessKey().isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(media.s3AccessKey(), media.s3SecretKey()));
    }

    @Override
    public BlobWriter create(String key) throws IOException {
        Path temp = spool.resolve(UUID.randomUUID() + ".part");
        OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new BlobWriter() {
            private long size;

            @Override
            public void write(byte[] data, int offset, int length) throws IOException {
                out.write(data, offset, length);
                size += length;
            }

            @Override
            public long commit() throws IOException {
                out.close();
                try {
                    s3.putObject(b -> b.bucket(bucket).key(key).contentLength(size), RequestBody.fromFile(temp));
                } catch (S3Exception e) {
                    throw new IOException("S3 put of " + key + " failed: " + e.getMessage(), e);
                } finally {
                    Files.deleteIfExists(temp);
                }
                return size;
            }

            @Override
            public void close() {
                try {
                    out.close();
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Spool leftovers are harmless.
                }
            }
        };
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key);
        if (offset > 0 || length >= 0) {
            request.range("bytes=" + offset + "-" + (length >= 0 ? String.valueOf(offset + length - 1) : ""));
        }
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        try {
            return s3.getObject(request.build());
        } catch (NoSuchKeyException e) {
            throw new java.io.FileNotFoundException(key);
        } catch (S3Exception e) {
            throw new IOException("S3 get of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long size(String key) throws IOException {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
            return head.contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw new IOException("S3 head of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (S3Exception e) {
            throw new IOException("S3 delete of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        try {
            String token = null;
            do {
                ListObjectsV2Request.Builder list = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
                if (token != null) {
                    list.continuationToken(token);
                }
                ListObjectsV2Response page = s3.listObjectsV2(list.build());
                if (!page.contents().isEmpty()) {
                    Delete delete = Delete.builder().objects(page.contents().stream()
                            .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList()).build();
                    s3.deleteObjects(b -> b.bucket(bucket).delete(delete));
                }
                token = page.isTruncated() ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (S3Exception e) {
            throw new IOException("S3 delete of " + prefix + "* failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return endpoint + "/" + bucket;
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
