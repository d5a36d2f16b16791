/**
 * A small local Schema Registry: {@link io.aurum.registry.LocalSchemaRegistry} serves the subset of Confluent's
 * REST API that serdes and common tools use, over the JDK's HTTP server, with its state in a
 * {@link io.aurum.registry.SchemaStore}: {@link io.aurum.registry.InMemorySchemaStore} for tests,
 * {@link io.aurum.registry.KafkaSchemaStore} (a compacted {@code _schemas} topic, Confluent's layout) to survive
 * restarts.
 */
package io.aurum.registry;
