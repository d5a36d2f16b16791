package io.aurum.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Confluent's framing of a Kafka record value or key: magic byte 0, the schema id as a 4-byte big-endian int, then
 * the Avro binary encoding. Kept byte-for-byte identical so that Confluent's, Apicurio's and Karapace's serdes can
 * read what Aurum writes and the other way round.
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** Frames an Avro payload already encoded with the schema {@code schemaId} names. */
    public static byte[] frame(int schemaId, byte[] avro) {
        return ByteBuffer.allocate(HEADER_SIZE + avro.length)
                .put(MAGIC_BYTE)
                .putInt(schemaId)
                .put(avro)
                .array();
    }

    /** The header alone, for writers that stream the Avro body straight after it. */
    public static byte[] header(int schemaId) {
        return ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(schemaId).array();
    }

    /**
     * The schema id of a framed payload.
     *
     * @throws SerializationException when the payload is too short or does not start with the magic byte, so that a
     *     consumer pointed at a topic of another format fails with a message naming the cause rather than garbage
     */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException(
                    "Truncated payload: " + payload.length + " bytes, a Confluent wire-format record needs at least "
                            + HEADER_SIZE + " (magic byte + 4-byte schema id)");
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Unknown magic byte 0x%02x: not Confluent wire format (expected 0x00 followed by a schema id)",
                    payload[0]));
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
