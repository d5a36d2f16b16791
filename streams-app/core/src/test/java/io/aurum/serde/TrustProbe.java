package io.aurum.serde;

import io.aurum.registry.InMemorySchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.schemas.GoldenCustomer;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Run in a JVM without {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES} (the build sets it for tests): shows that
 * plain Avro refuses our generated classes there and that our deserializer reads them all the same.
 * Exit code 0 = as expected; the reason for anything else is printed.
 */
public final class TrustProbe {
    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") != null) {
            fail("SERIALIZABLE_PACKAGES is set, the probe proves nothing");
        }
        GoldenCustomer golden = Samples.golden("g-probe");
        byte[] avro = Samples.avroBinary(golden);
        try {
            new SpecificDatumReader<>(GoldenCustomer.class)
                    .read(null, DecoderFactory.get().binaryDecoder(avro, null));
            fail("plain Avro read a generated class without trusting its package: the probe proves nothing");
        } catch (SecurityException expected) {
            System.out.println("plain Avro refused: " + expected.getMessage());
        }
        try (LocalSchemaRegistry registry = new LocalSchemaRegistry(0, new InMemorySchemaStore()).start();
                AvroWireSerde<GoldenCustomer> serde = new AvroWireSerde<>(GoldenCustomer.class)) {
            serde.configure(Map.of(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);
            byte[] bytes = serde.serializer().serialize("probe", golden);
            if (!golden.equals(serde.deserializer().deserialize("probe", bytes))) {
                fail("round trip changed the record");
            }
            Object untyped = new AvroWireDeserializer<>(null, new RestSchemaRegistryClient(registry.url()))
                    .deserialize("probe", bytes);
            if (!golden.equals(untyped)) {
                fail("class-less deserializer read " + untyped);
            }
        }
        System.out.println("OK " + Arrays.toString(args));
    }

    private static void fail(String why) {
        System.out.println("FAIL " + why);
        System.exit(2);
    }
}
