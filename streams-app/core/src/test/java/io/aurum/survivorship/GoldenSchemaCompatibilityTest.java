package io.aurum.survivorship;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.schemas.GoldenCustomer;
import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * The registry enforces BACKWARD compatibility on customers.golden-value: the current schema must read what the
 * released one wrote (schemas/released holds it, with its named types inlined).
 */
class GoldenSchemaCompatibilityTest {
    @Test
    void theCurrentGoldenSchemaReadsTheReleasedOne() throws Exception {
        Schema released;
        try (InputStream in = getClass().getResourceAsStream("/schemas/released/GoldenCustomer-1.avsc")) {
            released = new Schema.Parser().parse(in);
        }
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(GoldenCustomer.getClassSchema(), released)
                        .getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    /** customers.quality-value gained CANNOT_LINK_CONFLICT: the current schema still reads what the released wrote. */
    @Test
    void theCurrentQualitySchemaReadsTheReleasedOne() throws Exception {
        Schema released;
        try (InputStream in = getClass().getResourceAsStream("/schemas/released/QualityIssue-1.avsc")) {
            released = new Schema.Parser().parse(in);
        }
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(
                                io.aurum.schemas.QualityIssue.getClassSchema(), released)
                        .getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
}
