package io.framegrid.sdk.reconstruction;

import io.framegrid.sdk.FramegridClient;
import io.framegrid.sdk.ProductClientFactory;

/** Product D's SDK plug-in: {@code client.product(ReconstructionClient.class)}. */
public final class ReconstructionClientFactory implements ProductClientFactory<ReconstructionClient> {
    @Override
    public Class<ReconstructionClient> type() {
        return ReconstructionClient.class;
    }

    @Override
    public ReconstructionClient create(FramegridClient client) {
        return new ReconstructionClient(client);
    }
}
