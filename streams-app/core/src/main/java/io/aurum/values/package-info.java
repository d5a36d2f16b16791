/**
 * Canonical attribute values: the Java types a source column's value takes once decoded from its change event
 * (String, Long, Double, Boolean, BigDecimal, LocalDate, LocalTime, Instant, byte[], and List or Map of those), their
 * text, order and coercions, and their Avro form on the public topics. docs/configuration.md, "Types", has the table.
 */
package io.aurum.values;
