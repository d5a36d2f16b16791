package io.aurum.serde;

import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Records that exercise every Avro shape in our schemas: unions of each branch, arrays, maps, logical types. */
final class Samples {
    private Samples() {}

    static GoldenCustomer golden(String id) {
        Map<String, FieldValue> fields = new LinkedHashMap<>();
        fields.put(
                "email",
                FieldValue.newBuilder()
                        .setValue("ada@example.com")
                        .setSystem("crm")
                        .setSource("crm.contacts")
                        .setKey("42")
                        .setRule("owner:crm")
                        .setSourceTs(Instant.ofEpochMilli(1_700_000_000_123L))
                        .build());
        fields.put(
                "lifetimeValue",
                FieldValue.newBuilder()
                        .setValue(1234.5d)
                        .setRule("fallback:billing")
                        .build());
        fields.put(
                "orders",
                FieldValue.newBuilder().setValue(17L).setRule("owner:billing").build());
        fields.put(
                "vip",
                FieldValue.newBuilder().setValue(true).setRule("owner:crm").build());
        fields.put(
                "phone", FieldValue.newBuilder().setValue(null).setRule("none").build());
        return GoldenCustomer.newBuilder()
                .setId(id)
                .setSources(List.of(new SourceRef("billing.accounts", "A-9"), new SourceRef("crm.contacts", "42")))
                .setFields(fields)
                .setUpdatedAt(Instant.ofEpochMilli(1_700_000_001_000L))
                .build();
    }

    static XrefEntry xref(String key) {
        return XrefEntry.newBuilder()
                .setGoldenId("g-1")
                .setSource("crm.contacts")
                .setKey(key)
                .setReason("email:a***@example.com")
                .build();
    }

    /** Avro's own binary encoding, with no framing: what must follow our 5-byte header. */
    static byte[] avroBinary(SpecificRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new SpecificDatumWriter<SpecificRecord>(record.getSchema(), SpecificData.getForClass(record.getClass()))
                    .write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
