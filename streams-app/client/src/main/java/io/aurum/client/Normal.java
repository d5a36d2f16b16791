package io.aurum.client;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The normal forms the view is searched by, the same as Aurum's match keys: an email trimmed and lower-cased, a
 * phone in E.164 (libphonenumber, national numbers read in a default region), a name as lower-case words.
 */
final class Normal {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$");
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private Normal() {}

    static String email(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.trim().toLowerCase(Locale.ROOT);
        return EMAIL.matcher(s).matches() ? s : null;
    }

    static String phone(String raw, String defaultRegion) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            PhoneNumber number = PHONES.parse(raw, defaultRegion);
            return PHONES.isPossibleNumber(number)
                    ? PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164)
                    : null;
        } catch (NumberParseException e) {
            return null;
        }
    }

    /** The lower-case words of a name: "ACME Corp." → [acme, corp]. */
    static String[] words(String raw) {
        if (raw == null) {
            return new String[0];
        }
        String s =
                NON_WORD.matcher(raw.toLowerCase(Locale.ROOT)).replaceAll(" ").trim();
        return s.isEmpty() ? new String[0] : s.split(" ");
    }
}
