package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

class OnnxSessionOptionsTest {

    @Test
    void intraOpWorkersBlockInsteadOfSpinning() {
        try (OrtSession.SessionOptions options = OnnxSessionOptions.create(2)) {
            assertThat(options.getConfigEntries()).containsEntry("session.intra_op.allow_spinning", "0");
        }
    }
}
