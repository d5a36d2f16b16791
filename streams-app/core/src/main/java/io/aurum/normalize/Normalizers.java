package io.aurum.normalize;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The normal forms that match keys compare: equal normal forms mean the same identifier. */
public final class Normalizers {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final Pattern SPACES = Pattern.compile("\\s+");
    // Deliberately loose: the point is to reject values that cannot be an address, not to validate RFC 5322.
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$");

    private Normalizers() {}

    /** Trimmed and lower-cased, or null when the value cannot be an email address. */
    public static String email(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.trim().toLowerCase(Locale.ROOT);
        return EMAIL.matcher(s).matches() ? s : null;
    }

    /**
     * E.164, parsed in the record's own region when it has one ({@code region} may be null or blank), or null when
     * libphonenumber cannot read a possible number. Possible rather than valid: fictional ranges such as 555-01xx
     * are real data in test systems and still identify someone.
     */
    public static String phone(String raw, String region, String defaultRegion) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String r = region == null || region.isBlank()
                ? defaultRegion
                : region.trim().toUpperCase(Locale.ROOT);
        return PHONE_CACHE.get(new PhoneInput(raw, r), Normalizers::parsePhone).orElse(null);
    }

    private record PhoneInput(String raw, String region) {}

    /**
     * libphonenumber's parse was ~6% of a stream thread's time, and the same numbers are read again and again: a
     * record's identifiers are worked out from its row each time the record changes (its row, each child row, the
     * end of a snapshot's hold). A pure function of its input, so a bounded cache is safe.
     */
    private static final Cache<PhoneInput, Optional<String>> PHONE_CACHE =
            Caffeine.newBuilder().maximumSize(100_000).build();

    private static Optional<String> parsePhone(PhoneInput in) {
        try {
            PhoneNumber number = PHONES.parse(in.raw(), in.region());
            if (!PHONES.isPossibleNumber(number)) {
                return Optional.empty();
            }
            return Optional.of(PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** Trimmed, lower-cased, inner whitespace folded to one space; null when empty. */
    public static String text(String raw) {
        if (raw == null) {
            return null;
        }
        String s = SPACES.matcher(raw.trim().toLowerCase(Locale.ROOT)).replaceAll(" ");
        return s.isEmpty() ? null : s;
    }
}
