package io.framegrid.sdk.studio;

import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.ProductClientFactory;

/** Product B's SDK plug-in: {@code client.product(StudioClient.class)}. */
public final class StudioClientFactory implements ProductClientFactory<StudioClient> {
    @Override
    public Class<StudioClient> type() {
        return StudioClient.class;
    }

    @Override
    public StudioClient create(FramegridClient client) {
        return new StudioClient(client);
    }
}
