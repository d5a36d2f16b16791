package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class AurumSerdesTest {

    /** Stands in for Confluent's SpecificAvroSerde: a no-arg Serde that remembers how it was configured. */
    public static class RecordingSerde implements Serde<Object> {
        Map<String, ?> configs;
        Boolean isKey;

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            this.configs = configs;
            this.isKey = isKey;
        }

        @Override
        public Serializer<Object> serializer() {
            return (topic, data) -> new byte[] {42};
        }

        @Override
        public Deserializer<Object> deserializer() {
            return (topic, data) -> "decoded";
        }
    }

    @Test
    void withoutAnOverrideTheBuiltInSerdeIsUsed() {
        Serde<GoldenCustomer> serde =
                AurumSerdes.valueSerde(GoldenCustomer.class, Map.of("schema.registry.url", "http://localhost:1"));
        assertThat(serde).isInstanceOf(AvroWireSerde.class);
    }

    @Test
    void aNamedSerdeClassIsInstantiatedAndConfiguredWithTheSameMap() {
        Map<String, Object> config = Map.of(
                AurumSerdes.VALUE_SERDE_CONFIG,
                RecordingSerde.class.getName(),
                "schema.registry.url",
                "http://registry:8081");

        Serde<GoldenCustomer> serde = AurumSerdes.valueSerde(GoldenCustomer.class, config);

        assertThat(serde).isInstanceOf(RecordingSerde.class);
        RecordingSerde recording = (RecordingSerde) (Serde<?>) serde;
        assertThat(recording.configs).isEqualTo(config);
        assertThat(recording.isKey).isFalse();
    }

    @Test
    void keySerdesReadTheirOwnKeyAndAreConfiguredAsKeys() {
        Serde<XrefEntry> serde = AurumSerdes.keySerde(
                XrefEntry.class,
                Map.of(AurumSerdes.KEY_SERDE_CONFIG, RecordingSerde.class, "schema.registry.url", "http://r:8081"));
        assertThat(((RecordingSerde) (Serde<?>) serde).isKey).isTrue();
    }

    @Test
    void aMissingClassFailsWithAMessageThatSaysWhatToDo() {
        assertThatThrownBy(() -> AurumSerdes.valueSerde(
                        GoldenCustomer.class,
                        Map.of(
                                AurumSerdes.VALUE_SERDE_CONFIG,
                                "io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde")
                .hasMessageContaining("not on the class path")
                .hasMessageContaining(AurumSerdes.VALUE_SERDE_CONFIG);
    }

    @Test
    void aClassThatIsNoSerdeIsRefused() {
        assertThatThrownBy(() -> AurumSerdes.valueSerde(
                        GoldenCustomer.class, Map.of(AurumSerdes.VALUE_SERDE_CONFIG, String.class.getName())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not implement org.apache.kafka.common.serialization.Serde");
    }

    @Test
    void kafkasOwnSerdesCanBeNamedToo() {
        Serde<GoldenCustomer> serde = AurumSerdes.valueSerde(
                GoldenCustomer.class, Map.of(AurumSerdes.VALUE_SERDE_CONFIG, Serdes.ByteArraySerde.class.getName()));
        assertThat((Object) serde).isInstanceOf(Serdes.ByteArraySerde.class);
    }
}
