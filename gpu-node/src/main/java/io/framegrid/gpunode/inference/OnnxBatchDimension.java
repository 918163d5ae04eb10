package io.framegrid.gpunode.inference;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Makes the batch dimension of an ONNX export that fixed it at 1 variable, when the graph allows: YOLOX's export
 * (as shipped) takes {@code [1,3,416,416]} only, yet its one batch-bound part is three {@code Reshape}s to constant
 * targets {@code [1,85,-1]} (the heads before the final {@code Concat}). This rewrites those targets to
 * {@code [0,85,-1]} (0 = keep the input's dimension), names the first dimension of the graph's inputs and outputs
 * {@code batch} and drops the intermediate {@code value_info} shapes (computed for batch 1, they would contradict a
 * larger batch). The other ops of such a graph (convolutions, {@code Resize} by scales, {@code Slice} by axes,
 * {@code Concat}, {@code Transpose}) do not depend on the batch.
 *
 * <p>The model is read and written with protobuf's generic wire format ({@link UnknownFieldSet}, field numbers of
 * {@code onnx.proto}: ModelProto.graph 7; GraphProto node 1, initializer 5, input 11, output 12, value_info 13;
 * NodeProto input 1, output 2, op_type 4, attribute 5; AttributeProto name 1, i 3; TensorProto data_type 2, name 8, raw_data 9, int64_data 7;
 * ValueInfoProto type 2; TypeProto tensor_type 1; TypeProto.Tensor shape 2; TensorShapeProto dim 1; Dimension
 * dim_value 1, dim_param 2), because the build holds no generated ONNX classes; every field not named here is
 * carried through untouched.
 */
public final class OnnxBatchDimension {
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_VALUE_INFO = 13;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_I = 3;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int VALUE_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;
    private static final long INT64 = 7;

    private OnnxBatchDimension() {
    }

    /**
     * The model with a variable batch dimension; empty when it has none fixed at 1 to free, or when its graph is not
     * of the shape described above (a {@code Reshape} whose fixed target this cannot rewrite, {@code allowzero}).
     */
    public static Optional<byte[]> variable(byte[] model) {
        try {
            return rewrite(model);
        } catch (InvalidProtocolBufferException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private static Optional<byte[]> rewrite(byte[] bytes) throws InvalidProtocolBufferException {
        UnknownFieldSet model = UnknownFieldSet.parseFrom(bytes);
        List<ByteString> graphs = model.getField(MODEL_GRAPH).getLengthDelimitedList();
        if (graphs.size() != 1) {
            return Optional.empty();
        }
        UnknownFieldSet graph = UnknownFieldSet.parseFrom(graphs.get(0));
        Set<String> reshapeTargets = new HashSet<>();
        Set<String> constants = new HashSet<>();
        for (ByteString n : graph.getField(GRAPH_NODE).getLengthDelimitedList()) {
            UnknownFieldSet node = UnknownFieldSet.parseFrom(n);
            String op = text(node, NODE_OP_TYPE);
            if (op.equals("Reshape")) {
                if (allowsZero(node)) {
                    return Optional.empty();
                }
                reshapeTargets.add(node.getField(NODE_INPUT).getLengthDelimitedList().get(1).toStringUtf8());
            } else if (op.equals("Constant")) {
                node.getField(NODE_OUTPUT).getLengthDelimitedList().forEach(o -> constants.add(o.toStringUtf8()));
            }
        }
        if (reshapeTargets.stream().anyMatch(constants::contains)) {
            // A target held in a Constant node (not an initializer) is not rewritten here; left fixed it would
            // refuse every batch but 1.
            return Optional.empty();
        }
        UnknownFieldSet.Field.Builder initializers = UnknownFieldSet.Field.newBuilder();
        for (ByteString t : graph.getField(GRAPH_INITIALIZER).getLengthDelimitedList()) {
            UnknownFieldSet tensor = UnknownFieldSet.parseFrom(t);
            if (reshapeTargets.contains(text(tensor, TENSOR_NAME))) {
                Optional<UnknownFieldSet> freed = batchKept(tensor);
                if (freed.isEmpty()) {
                    return Optional.empty();
                }
                tensor = freed.get();
            }
            initializers.addLengthDelimited(tensor.toByteString());
        }
        boolean changed = false;
        UnknownFieldSet.Builder rebuilt = UnknownFieldSet.newBuilder(graph)
                .clearField(GRAPH_INITIALIZER).addField(GRAPH_INITIALIZER, initializers.build())
                .clearField(GRAPH_VALUE_INFO);
        for (int field : new int[] {GRAPH_INPUT, GRAPH_OUTPUT}) {
            UnknownFieldSet.Field.Builder values = UnknownFieldSet.Field.newBuilder();
            for (ByteString v : graph.getField(field).getLengthDelimitedList()) {
                UnknownFieldSet value = UnknownFieldSet.parseFrom(v);
                Optional<UnknownFieldSet> named = batchNamed(value);
                changed |= named.isPresent();
                values.addLengthDelimited(named.orElse(value).toByteString());
            }
            rebuilt.clearField(field).addField(field, values.build());
        }
        if (!changed) {
            return Optional.empty();
        }
        return Optional.of(UnknownFieldSet.newBuilder(model).clearField(MODEL_GRAPH)
                .addField(MODEL_GRAPH, delimited(rebuilt.build())).build().toByteArray());
    }

    /** A {@code [1, ...]} int64 shape tensor as {@code [0, ...]}; as it is when it does not start with 1. */
    private static Optional<UnknownFieldSet> batchKept(UnknownFieldSet tensor) {
        if (!tensor.getField(TENSOR_DATA_TYPE).getVarintList().equals(List.of(INT64))) {
            return Optional.empty();
        }
        List<ByteString> raw = tensor.getField(TENSOR_RAW_DATA).getLengthDelimitedList();
        if (raw.size() == 1 && raw.get(0).size() >= Long.BYTES) {
            byte[] data = raw.get(0).toByteArray();
            ByteBuffer values = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            if (values.getLong(0) == 1) {
                values.putLong(0, 0);
            }
            return Optional.of(UnknownFieldSet.newBuilder(tensor).clearField(TENSOR_RAW_DATA)
                    .addField(TENSOR_RAW_DATA, UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFrom(data)).build()).build());
        }
        List<Long> unpacked = tensor.getField(TENSOR_INT64_DATA).getVarintList();
        if (!unpacked.isEmpty()) {
            List<Long> values = new ArrayList<>(unpacked);
            if (values.get(0) == 1) {
                values.set(0, 0L);
            }
            UnknownFieldSet.Field.Builder field = UnknownFieldSet.Field.newBuilder();
            values.forEach(field::addVarint);
            return Optional.of(UnknownFieldSet.newBuilder(tensor).clearField(TENSOR_INT64_DATA)
                    .addField(TENSOR_INT64_DATA, field.build()).build());
        }
        // Packed int64_data or another layout: not rewritten, and a fixed target left alone would break batches.
        return Optional.empty();
    }

    /** A graph input or output whose first dimension is the fixed 1, renamed {@code batch}; empty otherwise. */
    private static Optional<UnknownFieldSet> batchNamed(UnknownFieldSet value) throws InvalidProtocolBufferException {
        UnknownFieldSet type = only(value, VALUE_TYPE);
        UnknownFieldSet tensorType = only(type, TYPE_TENSOR);
        UnknownFieldSet shape = only(tensorType, TENSOR_TYPE_SHAPE);
        List<ByteString> dims = new ArrayList<>(shape.getField(SHAPE_DIM).getLengthDelimitedList());
        if (dims.isEmpty() || !UnknownFieldSet.parseFrom(dims.get(0)).getField(DIM_VALUE).getVarintList()
                .equals(List.of(1L))) {
            return Optional.empty();
        }
        dims.set(0, UnknownFieldSet.newBuilder().addField(DIM_PARAM, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8("batch")).build()).build().toByteString());
        UnknownFieldSet.Field.Builder dimField = UnknownFieldSet.Field.newBuilder();
        dims.forEach(dimField::addLengthDelimited);
        UnknownFieldSet newShape = UnknownFieldSet.newBuilder(shape).clearField(SHAPE_DIM).addField(SHAPE_DIM,
                dimField.build()).build();
        UnknownFieldSet newTensorType = replace(tensorType, TENSOR_TYPE_SHAPE, newShape);
        return Optional.of(replace(value, VALUE_TYPE, replace(type, TYPE_TENSOR, newTensorType)));
    }

    private static boolean allowsZero(UnknownFieldSet node) throws InvalidProtocolBufferException {
        for (ByteString a : node.getField(NODE_ATTRIBUTE).getLengthDelimitedList()) {
            UnknownFieldSet attribute = UnknownFieldSet.parseFrom(a);
            if (text(attribute, ATTRIBUTE_NAME).equals("allowzero")
                    && attribute.getField(ATTRIBUTE_I).getVarintList().contains(1L)) {
                return true;
            }
        }
        return false;
    }

    private static UnknownFieldSet only(UnknownFieldSet message, int field) throws InvalidProtocolBufferException {
        return UnknownFieldSet.parseFrom(message.getField(field).getLengthDelimitedList().get(0));
    }

    private static UnknownFieldSet replace(UnknownFieldSet message, int field, UnknownFieldSet value) {
        return UnknownFieldSet.newBuilder(message).clearField(field).addField(field, delimited(value)).build();
    }

    private static UnknownFieldSet.Field delimited(UnknownFieldSet value) {
        return UnknownFieldSet.Field.newBuilder().addLengthDelimited(value.toByteString()).build();
    }

    private static String text(UnknownFieldSet message, int field) {
        List<ByteString> values = message.getField(field).getLengthDelimitedList();
        return values.isEmpty() ? "" : values.get(0).toStringUtf8();
    }
}
