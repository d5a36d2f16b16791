package io.aurum.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NormalizersTest {
    @Test
    void normalFormsOfEmailsAndPhones() {
        assertThat(Normalizers.email("  Jane.Doe@Gmail.COM ")).isEqualTo("jane.doe@gmail.com");
        assertThat(Normalizers.email("not an address")).isNull();
        assertThat(Normalizers.phone("+1 (415) 555-0134", null, "US")).isEqualTo("+14155550134");
        assertThat(Normalizers.phone("415.555.0134", null, "US")).isEqualTo("+14155550134");
        assertThat(Normalizers.phone("020 7946 0958", "gb", "US")).isEqualTo("+442079460958");
        assertThat(Normalizers.phone("030/23125-456", "DE", "US")).isEqualTo("+493023125456");
        assertThat(Normalizers.phone("12", null, "US")).isNull();
        assertThat(Normalizers.text("  ACME   Corp ")).isEqualTo("acme corp");
    }
}
