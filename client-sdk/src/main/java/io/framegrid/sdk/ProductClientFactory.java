package io.framegrid.sdk;

/**
 * Makes one product's typed client over a {@link FramegridClient}. The SDK finds factories with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/io.framegrid.sdk.ProductClientFactory} file next to
 * the product's client), so {@link FramegridClient#product(Class)} serves a new product without an SDK edit.
 *
 * @param <T> the product's client type
 */
public interface ProductClientFactory<T> {
    /** The client type this factory makes; {@link FramegridClient#product(Class)} is asked for it by this class. */
    Class<T> type();

    /** A client whose calls go over {@code client}'s channel with {@code client}'s credentials and deadline. */
    T create(FramegridClient client);
}
