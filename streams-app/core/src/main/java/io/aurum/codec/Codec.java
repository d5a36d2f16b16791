package io.aurum.codec;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * How one internal type is written in {@link Binary} form. The first byte of every value is the codec's format
 * version; {@link #read} gets it, so a later release can read the values an earlier one left in stores and topics.
 */
public interface Codec<T> {
    /** The format version this codec writes. */
    int version();

    void write(Binary.Writer out, T value);

    /** @param version the format version the value was written with (at most {@link #version()}) */
    T read(Binary.Reader in, int version);

    default byte[] encode(T value) {
        return encode(value, 256);
    }

    /** @param sizeHint the bytes it will likely take (e.g. what the value took last time): the buffer starts there */
    default byte[] encode(T value, int sizeHint) {
        Binary.Writer out = new Binary.Writer(sizeHint);
        out.u8(version());
        write(out, value);
        return out.toByteArray();
    }

    default T decode(byte[] bytes) {
        Binary.Reader in = new Binary.Reader(bytes);
        int v = in.u8();
        if (v > version()) {
            throw new IllegalArgumentException(
                    "format version " + v + " is newer than this release reads (" + version() + ")");
        }
        return read(in, v);
    }

    /** A Kafka serde over this codec; null is a tombstone both ways. */
    default Serde<T> serde() {
        Codec<T> codec = this;
        Serializer<T> ser = (topic, value) -> value == null ? null : codec.encode(value);
        Deserializer<T> de = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return codec.decode(bytes);
            } catch (RuntimeException e) {
                throw new SerializationException(
                        "cannot decode " + codec.getClass().getSimpleName() + " from " + topic + ": " + e.getMessage(),
                        e);
            }
        };
        return new Serde<>() {
            @Override
            public Serializer<T> serializer() {
                return ser;
            }

            @Override
            public Deserializer<T> deserializer() {
                return de;
            }
        };
    }
}
