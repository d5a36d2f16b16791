/**
 * Confluent wire-format Avro serdes and a Schema Registry REST client, so Aurum's topics are readable by any
 * Confluent-compatible consumer and Aurum needs no Confluent jars.
 *
 * <ul>
 *   <li>{@link io.aurum.serde.AvroWireSerializer}, {@link io.aurum.serde.AvroWireDeserializer},
 *       {@link io.aurum.serde.AvroWireSerde}: magic byte 0, 4-byte big-endian schema id, Avro binary; subjects by
 *       TopicNameStrategy; {@code null} stays {@code null} (tombstones).
 *   <li>{@link io.aurum.serde.RestSchemaRegistryClient}: Confluent SR / Apicurio ccompat / Karapace / Redpanda.
 *   <li>{@link io.aurum.serde.AurumSerdes}: the factory the topology uses; {@code aurum.value.serde} /
 *       {@code aurum.key.serde} swap in another Serde class (e.g. Confluent's SpecificAvroSerde).
 * </ul>
 *
 * <p>Config keys (Confluent's names): {@code schema.registry.url} (comma-separated, fail-over),
 * {@code auto.register.schemas} (true), {@code use.latest.version} (false), {@code latest.cache.ttl.sec} (-1),
 * {@code basic.auth.user.info} (or {@code schema.registry.basic.auth.user.info}), {@code http.connect.timeout.ms}
 * (10000), {@code http.read.timeout.ms} (30000). See {@link io.aurum.serde.AvroWireSerdeConfig}.
 */
package io.aurum.serde;
