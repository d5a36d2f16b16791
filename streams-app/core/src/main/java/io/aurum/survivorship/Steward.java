package io.aurum.survivorship;

import io.aurum.canonical.MappingException;
import io.aurum.canonical.RecordIds;
import io.aurum.config.PipelineConfig;
import io.aurum.schemas.FieldOverride;
import io.aurum.values.AvroValues;

/**
 * One steward override from customers.overrides, as the topology carries it: a canonical value, and
 * the golden id it currently applies to (for a record target, the cluster that holds the record right now).
 *
 * @param id       the override's key on customers.overrides
 * @param source   with {@code key}, the target source record; null for a golden-id target
 */
public record Steward(
        String id,
        String goldenId,
        String source,
        String key,
        String field,
        Object value,
        String who,
        String why,
        long at) {

    /** Checks an override against the config; a bad one is bad input and goes to the dead-letter topic. */
    public static Steward of(PipelineConfig config, String id, FieldOverride o) {
        if (o == null) {
            return null;
        }
        boolean toRecord = o.getSource() != null || o.getKey() != null;
        if (toRecord == (o.getGoldenId() != null) || (toRecord && (o.getSource() == null || o.getKey() == null))) {
            throw new MappingException("override " + id + " must name either goldenId, or source and key");
        }
        if (toRecord
                && (!config.sources().containsKey(o.getSource())
                        || config.sources().get(o.getSource()).isChild())) {
            throw new MappingException("override " + id + " targets unknown parent source '" + o.getSource() + "'");
        }
        if (!config.golden().hasField(o.getField())) {
            throw new MappingException("override " + id + " targets unknown golden field '" + o.getField() + "'");
        }
        return new Steward(
                id,
                o.getGoldenId(),
                o.getSource(),
                o.getKey(),
                o.getField(),
                AvroValues.fromAvro(o.getValue()),
                o.getWho(),
                o.getWhy(),
                o.getAt().toEpochMilli());
    }

    /** The record id a record-level override follows, or null for a golden-id target. */
    public String recordId() {
        return source == null ? null : RecordIds.of(source, key);
    }

    public Steward routedTo(String golden) {
        return new Steward(id, golden, source, key, field, value, who, why, at);
    }
}
