package io.framegrid.gpunode.tasks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/** The product plug-ins one gpu-node runs, each name once. */
public final class NodeProducts {
    private NodeProducts() {
    }

    /** Every {@link NodeProduct} on the class path of this class's loader. */
    public static List<NodeProduct> discover() {
        return checked(ServiceLoader.load(NodeProduct.class, NodeProduct.class.getClassLoader()));
    }

    /** {@code products} as a list; two plug-ins of one name are a packaging error, refused here. */
    public static List<NodeProduct> checked(Iterable<? extends NodeProduct> products) {
        List<NodeProduct> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (NodeProduct p : products) {
            if (!names.add(p.name())) {
                throw new IllegalStateException("Two gpu-node plug-ins are named '" + p.name() + "'");
            }
            list.add(p);
        }
        return List.copyOf(list);
    }
}
