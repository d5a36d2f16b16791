package io.aurum.client;

import io.aurum.schemas.GoldenCustomer;
import java.util.List;

/**
 * What a service hears from {@link AurumClient} as Aurum's golden records change. Every method has a default that
 * does nothing, so implement only what you need. Calls come from the client's one thread, in topic order; keep them
 * short (hand work to your own executor).
 */
public interface CustomerListener {
    /** A golden customer was created or changed: {@code customer} is its new state. */
    default void onUpsert(GoldenCustomer customer) {}

    /**
     * Two customers became one: {@code from} is no longer a golden id, and {@code into} is the id that now holds its
     * records ({@link AurumClient#get} of {@code from} answers with {@code into}'s record).
     */
    default void onMerge(String from, String into) {}

    /** A customer split: {@code goldenId} lives on and the records that left it now form {@code into}. */
    default void onSplit(String goldenId, List<String> into) {}

    /** A golden customer is gone without a successor (all its source records were deleted). */
    default void onDelete(String goldenId) {}

    /**
     * A record of a public topic could not be read (an unknown schema, a registry outage): it is not in the view.
     * The client goes on with the next record; the default logs it.
     */
    default void onError(String topic, int partition, long offset, Exception error) {
        org.slf4j.LoggerFactory.getLogger(CustomerListener.class)
                .error("Aurum client: could not read {}-{}@{}: {}", topic, partition, offset, error.toString());
    }
}
