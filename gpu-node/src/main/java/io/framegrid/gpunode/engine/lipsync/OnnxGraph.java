package io.framegrid.gpunode.engine.lipsync;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a small ONNX model with protobuf's wire format directly (no onnx proto artifact is in the build): the
 * handful of {@code onnx.proto} fields a graph of a few standard operators needs, numbered as in onnx.proto (IR 7,
 * opset 13). Dimensions given as {@code -1} are written as the symbolic {@code N}.
 *
 * <p>A contract-test and benchmark model generator, <b>not a lip-sync model</b>: {@link #testLipSyncModel} meets
 * {@link LipSyncContract} so the tests (here and in gateway-rest and launcher, through a node's models folder) and
 * {@code framegrid bench prosync} run the whole lip-sync path without a licensed model. In main code rather than the
 * test-jar because the bench is production code; nothing else in main code calls it, and no node installs it.
 */
public final class OnnxGraph {
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();

    OnnxGraph input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
        return this;
    }

    OnnxGraph output(String name, long... dims) {
        outputs.add(valueInfo(name, dims));
        return this;
    }

    OnnxGraph floats(String name, long[] dims, float... values) {
        initializers.add(message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, 1); // FLOAT
            for (float v : values) {
                out.writeFloat(4, v);
            }
            out.writeString(8, name);
        }));
        return this;
    }

    OnnxGraph longs(String name, long... values) {
        initializers.add(message(out -> {
            out.writeInt64(1, values.length);
            out.writeInt32(2, 7); // INT64
            for (long v : values) {
                out.writeInt64(7, v);
            }
            out.writeString(8, name);
        }));
        return this;
    }

    /** A node; {@code intsAttribute} (name, values...) is written when not null, e.g. ReduceMean's axes. */
    OnnxGraph node(String op, List<String> in, String out, String intsName, long[] ints, String intName, Long intValue) {
        nodes.add(message(o -> {
            for (String i : in) {
                o.writeString(1, i);
            }
            o.writeString(2, out);
            o.writeString(3, out + "_" + op);
            o.writeString(4, op);
            if (intsName != null) {
                o.writeByteArray(5, message(a -> {
                    a.writeString(1, intsName);
                    for (long v : ints) {
                        a.writeInt64(8, v);
                    }
                    a.writeInt32(20, 7); // INTS
                }));
            }
            if (intName != null) {
                o.writeByteArray(5, message(a -> {
                    a.writeString(1, intName);
                    a.writeInt64(3, intValue);
                    a.writeInt32(20, 2); // INT
                }));
            }
        }));
        return this;
    }

    OnnxGraph node(String op, List<String> in, String out) {
        return node(op, in, out, null, null, null, null);
    }

    void write(Path file) {
        byte[] graph = message(g -> {
            for (byte[] n : nodes) {
                g.writeByteArray(1, n);
            }
            g.writeString(2, "test-graph");
            for (byte[] t : initializers) {
                g.writeByteArray(5, t);
            }
            for (byte[] i : inputs) {
                g.writeByteArray(11, i);
            }
            for (byte[] o : outputs) {
                g.writeByteArray(12, o);
            }
        });
        byte[] model = message(m -> {
            m.writeInt64(1, 7);
            m.writeString(2, "framegrid-test");
            m.writeByteArray(7, graph);
            m.writeByteArray(8, message(op -> {
                op.writeString(1, "");
                op.writeInt64(2, 13);
            }));
        });
        try {
            Files.write(file, model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] valueInfo(String name, long... dims) {
        return message(v -> {
            v.writeString(1, name);
            v.writeByteArray(2, message(type -> type.writeByteArray(1, message(tensor -> {
                tensor.writeInt32(1, 1); // FLOAT
                tensor.writeByteArray(2, message(shape -> {
                    for (long d : dims) {
                        shape.writeByteArray(1, message(dim -> {
                            if (d < 0) {
                                dim.writeString(2, "N");
                            } else {
                                dim.writeInt64(1, d);
                            }
                        }));
                    }
                }));
            }))));
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The test lip-sync model: inputs {@code vid [N,6,96,96]} then {@code mel [N,1,80,16]} (face first, so the
     * engine must tell them apart by shape), output {@code [N,3,96,96]} = a uniform grey of
     * {@code (mean(mel window) + 4) / 8} — loud windows give a bright mouth, silent ones a black one — plus 0 × the
     * reference crop (which gives the output its shape).
     */
    public static void testLipSyncModel(Path file, long batch) {
        new OnnxGraph()
                .input("vid", batch, 6, 96, 96)
                .input("mel", batch, 1, 80, 16)
                .output("out", batch, 3, 96, 96)
                .longs("starts", 3).longs("ends", 6).longs("axes", 1)
                .floats("zero", new long[0], 0f).floats("four", new long[0], 4f).floats("eight", new long[0], 8f)
                .node("Slice", List.of("vid", "starts", "ends", "axes"), "ref")
                .node("Mul", List.of("ref", "zero"), "blank")
                .node("ReduceMean", List.of("mel"), "level", "axes", new long[] {1, 2, 3}, "keepdims", 1L)
                .node("Add", List.of("level", "four"), "shifted")
                .node("Div", List.of("shifted", "eight"), "grey")
                .node("Add", List.of("blank", "grey"), "out")
                .write(file);
    }
}
