package io.framegrid.gpunode.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.framegrid.config.local.SharedFiles;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OnnxBatchDimensionTest {
    private static final int SIZE = 3 * YoloxDetector.INPUT * YoloxDetector.INPUT;

    @Test
    void yoloxRunsABatchThatEqualsItsSingleRuns() throws Exception {
        byte[] shipped = Files.readAllBytes(SharedFiles.models().resolve("yolox_nano.onnx"));
        byte[] variable = OnnxBatchDimension.variable(shipped).orElseThrow();
        int batch = 3;
        float[] images = new float[batch * SIZE];
        Random random = new Random(17);
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat() * 255;
        }
        OrtEnvironment env = OnnxSessionOptions.environment();
        try (OrtSession.SessionOptions options = OnnxSessionOptions.create();
                OrtSession fixed = env.createSession(shipped, options);
                OrtSession free = env.createSession(variable, options)) {
            float[] batched = run(env, free, images, 0, batch);
            int perImage = batched.length / batch;
            assertThat(perImage).isEqualTo(3549 * 85);
            for (int i = 0; i < batch; i++) {
                float[] single = run(env, fixed, images, i * SIZE, 1);
                float[] mine = java.util.Arrays.copyOfRange(batched, i * perImage, (i + 1) * perImage);
                assertThat(mine).as("image %d", i).containsExactly(single, org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertThat(run(env, free, images, 0, 1)).containsExactly(run(env, fixed, images, 0, 1),
                    org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void aModelWithNothingFixedLeftOrNoModelAtAllIsNotRewritten() throws Exception {
        byte[] shipped = Files.readAllBytes(SharedFiles.models().resolve("yolox_nano.onnx"));
        byte[] variable = OnnxBatchDimension.variable(shipped).orElseThrow();

        assertThat(OnnxBatchDimension.variable(variable)).isEmpty();
        assertThat(OnnxBatchDimension.variable("not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(OnnxBatchDimension.variable(new byte[0])).isEmpty();
    }

    private static float[] run(OrtEnvironment env, OrtSession session, float[] data, int offset, int n)
            throws Exception {
        FloatBuffer input = FloatBuffer.wrap(data, offset, n * SIZE).slice();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, input,
                new long[] {n, 3, YoloxDetector.INPUT, YoloxDetector.INPUT});
                OrtSession.Result result = session.run(Map.of("images", tensor))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }
}
