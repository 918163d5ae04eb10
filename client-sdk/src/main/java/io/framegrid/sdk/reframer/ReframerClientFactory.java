package io.framegrid.sdk.reframer;

import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.ProductClientFactory;

/** Product C's SDK plug-in: {@code client.product(ReframerClient.class)}. */
public final class ReframerClientFactory implements ProductClientFactory<ReframerClient> {
    @Override
    public Class<ReframerClient> type() {
        return ReframerClient.class;
    }

    @Override
    public ReframerClient create(FramegridClient client) {
        return new ReframerClient(client);
    }
}
