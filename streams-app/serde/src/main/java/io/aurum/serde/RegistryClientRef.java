package io.aurum.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The schema registry client of a serializer, a deserializer or a serde: one its caller gave, one it builds from
 * its config (and so closes), or one the enclosing serde shares with it (and closes itself).
 */
final class RegistryClientRef {
    private SchemaRegistryClient client;
    private boolean owned;

    RegistryClientRef(SchemaRegistryClient given) {
        this.client = given;
    }

    /** Builds the client from {@code config} unless there is one already; true when it built one. */
    boolean configure(AvroWireSerdeConfig config) {
        if (client != null) {
            return false;
        }
        client = new RestSchemaRegistryClient(config);
        owned = true;
        return true;
    }

    /** Uses a client owned by someone else (the enclosing serde), who also closes it. */
    void share(SchemaRegistryClient shared) {
        this.client = shared;
        this.owned = false;
    }

    /** The client, or a SerializationException naming {@code who} when there is none (not configured). */
    SchemaRegistryClient require(String who) {
        if (client == null) {
            throw new SerializationException(who + " is not configured: no schema registry client" + " (set "
                    + AvroWireSerdeConfig.SCHEMA_REGISTRY_URL + " or pass a client)");
        }
        return client;
    }

    SchemaRegistryClient client() {
        return client;
    }

    void close() {
        if (owned && client != null) {
            client.close();
        }
    }
}
