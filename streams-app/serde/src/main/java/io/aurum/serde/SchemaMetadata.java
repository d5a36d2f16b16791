package io.aurum.serde;

import org.apache.avro.Schema;

/** One version of a subject, as the registry reports it. */
public record SchemaMetadata(String subject, int version, int id, Schema schema) {}
