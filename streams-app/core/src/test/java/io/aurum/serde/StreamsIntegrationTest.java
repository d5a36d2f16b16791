package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.registry.InMemorySchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import java.io.IOException;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serdes inside a Kafka Streams topology, as the golden-record pipeline will use them. */
class StreamsIntegrationTest {
    static LocalSchemaRegistry registry;

    @BeforeAll
    static void start() throws IOException {
        registry = new LocalSchemaRegistry(0, new InMemorySchemaStore()).start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void aTopologyReadsAndWritesWireFormatAvroIncludingTombstones() {
        Map<String, Object> config = Map.of(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
        Serde<XrefEntry> xrefSerde = AurumSerdes.valueSerde(XrefEntry.class, config);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("customers.xref", Consumed.with(Serdes.String(), xrefSerde))
                .mapValues(x -> x == null
                        ? null
                        : XrefEntry.newBuilder(x).setReason("seen").build())
                .to("customers.xref.out", Produced.with(Serdes.String(), xrefSerde));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serde-it");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");

        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, XrefEntry> in =
                    driver.createInputTopic("customers.xref", Serdes.String().serializer(), xrefSerde.serializer());
            TestOutputTopic<String, XrefEntry> out = driver.createOutputTopic(
                    "customers.xref.out", Serdes.String().deserializer(), xrefSerde.deserializer());
            in.pipeInput("crm.contacts:42", Samples.xref("42"));
            in.pipeInput("crm.contacts:42", null);

            assertThat(out.readKeyValue().value)
                    .isEqualTo(XrefEntry.newBuilder(Samples.xref("42"))
                            .setReason("seen")
                            .build());
            assertThat(out.readKeyValue().value).isNull();
        }
        assertThat(new RestSchemaRegistryClient(registry.url()).getAllSubjects())
                .contains("customers.xref-value", "customers.xref.out-value");
    }

    @Test
    void theNoArgSerdeReadsIntoTheClassNamedByTheWriterSchema() {
        try (AvroWireSerde<GoldenCustomer> serde = new AvroWireSerde<>()) {
            serde.configure(Map.of(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);
            GoldenCustomer golden = Samples.golden("g-default");
            assertThat(serde.deserializer().deserialize("d", serde.serializer().serialize("d", golden)))
                    .isEqualTo(golden);
        }
    }
}
