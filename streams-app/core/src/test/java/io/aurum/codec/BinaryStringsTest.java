package io.aurum.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Strings are written as their UTF-8 bytes after a length, whichever way the writer gets them there. */
class BinaryStringsTest {
    @Property
    void anyStringIsWrittenAsItsUtf8(@ForAll @StringLength(max = 100) String s) {
        assertWrittenAsUtf8(s);
    }

    @Property
    void asciiStringsOfAnyLength(@ForAll @CharRange(from = 0, to = 0x7F) @StringLength(max = 200) String s) {
        assertWrittenAsUtf8(s);
    }

    @Test
    void edges() {
        for (String s : new String[] {"", "a", "é", "jane@x.com", "Zoë Smith", "東京", "\u007F", "\u0080", "😀"}) {
            assertWrittenAsUtf8(s);
            assertWrittenAsUtf8(s.repeat(40)); // past the short-string path
        }
        Binary.Writer w = new Binary.Writer(1);
        w.str(null);
        assertThat(new Binary.Reader(w.toByteArray()).str()).isNull();
    }

    private static void assertWrittenAsUtf8(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] expected = new Binary.Writer(1).varint(utf8.length + 1).toByteArray();
        byte[] written = new Binary.Writer(1).u8(7).str(s).u8(9).toByteArray();
        // A byte before and after: the string lands exactly where it should, and nothing spills past it.
        assertThat(written).hasSize(2 + expected.length + utf8.length);
        assertThat(written[0]).isEqualTo((byte) 7);
        assertThat(written[written.length - 1]).isEqualTo((byte) 9);
        byte[] middle = java.util.Arrays.copyOfRange(written, 1, written.length - 1);
        byte[] reference = new byte[expected.length + utf8.length];
        System.arraycopy(expected, 0, reference, 0, expected.length);
        System.arraycopy(utf8, 0, reference, expected.length, utf8.length);
        assertThat(middle).isEqualTo(reference);
        Binary.Reader r = new Binary.Reader(written);
        r.u8();
        assertThat(r.str()).isEqualTo(new String(utf8, StandardCharsets.UTF_8));
    }
}
