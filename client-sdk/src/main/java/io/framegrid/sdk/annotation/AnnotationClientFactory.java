package io.framegrid.sdk.annotation;

import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.ProductClientFactory;

/** Product A's SDK plug-in: {@code client.product(AnnotationClient.class)}. */
public final class AnnotationClientFactory implements ProductClientFactory<AnnotationClient> {
    @Override
    public Class<AnnotationClient> type() {
        return AnnotationClient.class;
    }

    @Override
    public AnnotationClient create(FramegridClient client) {
        return new AnnotationClient(client);
    }
}
