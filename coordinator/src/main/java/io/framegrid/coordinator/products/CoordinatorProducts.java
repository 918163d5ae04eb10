package io.framegrid.coordinator.products;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/** The product plug-ins one coordinator runs, each name once. */
public final class CoordinatorProducts {
    private CoordinatorProducts() {
    }

    /** Every {@link CoordinatorProduct} on the class path of this class's loader. */
    public static List<CoordinatorProduct> discover() {
        return checked(ServiceLoader.load(CoordinatorProduct.class, CoordinatorProduct.class.getClassLoader()));
    }

    /** {@code products} as a list; two plug-ins of one name are a packaging error, refused here. */
    public static List<CoordinatorProduct> checked(Iterable<? extends CoordinatorProduct> products) {
        List<CoordinatorProduct> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (CoordinatorProduct p : products) {
            if (!names.add(p.name())) {
                throw new IllegalStateException("Two coordinator plug-ins are named '" + p.name() + "'");
            }
            list.add(p);
        }
        return List.copyOf(list);
    }
}
