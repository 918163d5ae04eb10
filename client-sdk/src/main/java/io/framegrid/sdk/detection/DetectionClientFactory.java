package io.framegrid.sdk.detection;

import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.ProductClientFactory;

/** Product E's SDK plug-in: {@code client.product(DetectionClient.class)}. */
public final class DetectionClientFactory implements ProductClientFactory<DetectionClient> {
    @Override
    public Class<DetectionClient> type() {
        return DetectionClient.class;
    }

    @Override
    public DetectionClient create(FramegridClient client) {
        return new DetectionClient(client);
    }
}
