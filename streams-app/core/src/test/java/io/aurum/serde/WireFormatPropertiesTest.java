package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.errors.SerializationException;

class WireFormatPropertiesTest {

    @Property
    void framingRoundTripsAnyIdAndBody(@ForAll int id, @ForAll @Size(max = 64) byte[] body) {
        byte[] framed = WireFormat.frame(id, body);

        assertThat(framed).hasSize(body.length + 5);
        assertThat(framed[0]).isZero();
        assertThat(WireFormat.schemaId(framed)).isEqualTo(id);
        assertThat(Arrays.copyOfRange(framed, 5, framed.length)).isEqualTo(body);
        assertThat(Arrays.copyOfRange(framed, 0, 5)).isEqualTo(WireFormat.header(id));
    }

    @Property
    void idIsBigEndian(@ForAll int id) {
        byte[] h = WireFormat.header(id);
        int decoded = ((h[1] & 0xff) << 24) | ((h[2] & 0xff) << 16) | ((h[3] & 0xff) << 8) | (h[4] & 0xff);
        assertThat(decoded).isEqualTo(id);
    }

    @Property
    void anyOtherMagicByteIsRefused(@ForAll byte magic, @ForAll int id, @ForAll @Size(max = 16) byte[] body) {
        byte[] framed = WireFormat.frame(id, body);
        framed[0] = magic;
        if (magic == 0) {
            assertThat(WireFormat.schemaId(framed)).isEqualTo(id);
        } else {
            assertThatThrownBy(() -> WireFormat.schemaId(framed))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("magic byte");
        }
    }

    @Property
    void headersShorterThanFiveBytesAreRefused(@ForAll @Size(max = 4) byte[] payload) {
        assertThatThrownBy(() -> WireFormat.schemaId(payload))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Truncated");
    }
}
