package io.aurum.resolve;

import io.aurum.canonical.SourceRecord;
import io.aurum.codec.Binary;
import io.aurum.survivorship.Steward;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * 64-bit digests of what was last sent or published, so that a node stores eight bytes instead of a copy and
 * still never repeats itself (nor, with 2^-64 odds per pair, mistakes a change for a repeat).
 */
final class Digest {
    private static final Map<Schema, SpecificDatumWriter<SpecificRecordBase>> WRITERS = new ConcurrentHashMap<>();

    private Digest() {}

    static long of(SourceRecord record, Map<String, Steward> overrides) {
        Binary.Writer out = new Binary.Writer(512);
        Codecs.sourceRecord(out, record);
        out.map(overrides, Codecs::steward);
        return fnv(out.toByteArray());
    }

    /** Of an Avro record's binary encoding: what a consumer would receive, minus the schema id. */
    static long of(SpecificRecordBase avro) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            WRITERS.computeIfAbsent(avro.getSchema(), SpecificDatumWriter::new).write(avro, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + avro.getSchema().getFullName(), e);
        }
        return fnv(bytes.toByteArray());
    }

    /** FNV-1a, 64 bits; never 0, which means "nothing sent". */
    static long fnv(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
