package io.aurum.values;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a canonical value is, its text, and the lossless coercions between canonical types. Every coercion returns
 * null when the value does not convert without loss (text that is not a number, a fraction asked for as an integer),
 * so callers decide whether that is "no value" (survivorship) or bad input (the canonical stage's dead letters).
 */
public final class Canonical {
    private Canonical() {}

    private static final Pattern NUMERIC = Pattern.compile("\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*");
    private static final Pattern INTEGER = Pattern.compile("\\s*[+-]?\\d+\\s*");

    /** Whether {@code v} is one of the canonical types (recursively for lists and maps). */
    public static boolean isCanonical(Object v) {
        if (v == null
                || v instanceof String
                || v instanceof Long
                || v instanceof Double
                || v instanceof Boolean
                || v instanceof BigDecimal
                || v instanceof LocalDate
                || v instanceof LocalTime
                || v instanceof Instant
                || v instanceof byte[]) {
            return true;
        }
        if (v instanceof List<?> l) {
            return l.stream().allMatch(Canonical::isCanonical);
        }
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().allMatch(e -> e.getKey() instanceof String && isCanonical(e.getValue()));
        }
        return false;
    }

    /**
     * The value as text, the same for equal values: numbers in plain notation ({@code 3000.00}, never {@code 3E+3}),
     * dates, times and instants in ISO-8601 ({@code 2024-03-01}, {@code 07:30}, {@code 2024-03-01T12:34:56.789Z}),
     * bytes in base64, lists and maps as JSON.
     */
    public static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        if (v instanceof List<?> || v instanceof Map<?, ?>) {
            StringBuilder sb = new StringBuilder();
            json(v, sb);
            return sb.toString();
        }
        return v.toString();
    }

    private static void json(Object v, StringBuilder sb) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                json(l.get(i), sb);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                quote(String.valueOf(e.getKey()), sb);
                sb.append(':');
                json(e.getValue(), sb);
                if (it.hasNext()) {
                    sb.append(',');
                }
            }
            sb.append('}');
        } else if (v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof BigDecimal) {
            sb.append(text(v));
        } else {
            quote(text(v), sb);
        }
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** A number, exactly: integers, decimals, finite doubles and numeric text; else null. */
    public static BigDecimal decimal(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        if (v instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            // Double.toString's shortest repr: 0.1 stays 0.1, not 0.1000000000000000055511151231257827.
            return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
        }
        if (v instanceof String s && NUMERIC.matcher(s).matches()) {
            // The pattern first: most text is not a number, and a thrown exception costs more than the match.
            return new BigDecimal(s.trim());
        }
        return null;
    }

    /** A whole number: integers, decimals and doubles without a fraction, integer text; else null. */
    public static Long integer(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof String s && INTEGER.matcher(s).matches()) {
            try {
                return Long.parseLong(s.trim().startsWith("+") ? s.trim().substring(1) : s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        BigDecimal d = v instanceof String ? null : decimal(v);
        if (d == null) {
            return null;
        }
        try {
            return d.longValueExact();
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /** A double: any number, numeric text; else null. */
    public static Double floating(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        BigDecimal d = decimal(v);
        return d == null ? null : d.doubleValue();
    }

    /** A boolean: booleans and the text true/false/t/f (Postgres' own rendering), any case; else null. */
    public static Boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "t" -> true;
                case "false", "f" -> false;
                default -> null;
            };
        }
        return null;
    }

    /**
     * An instant: instants; dates (their start, UTC); ISO-8601 text with or without an offset (without one it is
     * read as UTC, as Debezium reads timestamp without time zone), or a date; numbers as epoch seconds,
     * milliseconds or microseconds by magnitude, or days below a million. Else null.
     */
    public static Instant instant(Object v) {
        if (v instanceof Instant i) {
            return i;
        }
        if (v instanceof LocalDate d) {
            return d.atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        if (v instanceof Long || v instanceof Integer) {
            return epoch(((Number) v).longValue());
        }
        if (v instanceof BigDecimal d) {
            try {
                return epoch(d.longValueExact());
            } catch (ArithmeticException e) {
                return null;
            }
        }
        if (v instanceof String s) {
            return parseInstant(s.trim());
        }
        return null;
    }

    /** Epoch seconds, milliseconds or microseconds by magnitude, or days below a million (Debezium's renderings). */
    static Instant epoch(long n) {
        long abs = Math.abs(n);
        if (abs >= 100_000_000_000_000L) {
            return Instant.EPOCH.plus(n, java.time.temporal.ChronoUnit.MICROS);
        }
        if (abs >= 100_000_000_000L) {
            return Instant.ofEpochMilli(n);
        }
        if (abs < 1_000_000) {
            return LocalDate.ofEpochDay(n).atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        return Instant.ofEpochSecond(n);
    }

    private static Instant parseInstant(String s) {
        if (s.isEmpty() || !Character.isDigit(s.charAt(0)) && s.charAt(0) != '+' && s.charAt(0) != '-') {
            return null;
        }
        Instant fast = utc(s);
        if (fast != null) {
            return fast;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // fall through
        }
        if (INTEGER.matcher(s).matches()) {
            try {
                return epoch(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Debezium's ZonedTimestamp rendering, {@code 2024-03-01T12:34:56[.f{1,9}]Z}, read without the general ISO parser
     * (every timestamptz of every event goes through here); null for any other shape.
     */
    private static Instant utc(String s) {
        int n = s.length();
        if (n < 20
                || s.charAt(n - 1) != 'Z'
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n - 21 > 9 || n - 21 < 1) {
                return null;
            }
            int frac = digits(s, 20, n - 1);
            if (frac < 0) {
                return null;
            }
            nanos = frac;
            for (int i = n - 21; i < 9; i++) {
                nanos *= 10;
            }
        } else if (n != 20) {
            return null;
        }
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || day > 31
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return null;
        }
        try {
            long days = LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** A calendar date: dates; instants (their UTC date); ISO dates or timestamps as text; day numbers. Else null. */
    public static LocalDate date(Object v) {
        if (v instanceof LocalDate d) {
            return d;
        }
        if (v instanceof String s) {
            try {
                return LocalDate.parse(s.trim());
            } catch (DateTimeParseException e) {
                // a timestamp, perhaps
            }
        }
        if (v instanceof Long || v instanceof Integer) {
            long n = ((Number) v).longValue();
            if (Math.abs(n) < 1_000_000) {
                return LocalDate.ofEpochDay(n);
            }
        }
        Instant i = instant(v);
        return i == null ? null : LocalDate.ofInstant(i, ZoneOffset.UTC);
    }

    /** A time of day: times, ISO times as text (an offset is dropped). Else null. */
    public static LocalTime time(Object v) {
        if (v instanceof LocalTime t) {
            return t;
        }
        if (v instanceof String s) {
            String t = s.trim();
            try {
                return LocalTime.parse(t);
            } catch (DateTimeParseException e) {
                try {
                    return java.time.OffsetTime.parse(t).toLocalTime();
                } catch (DateTimeParseException e2) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Microseconds since the epoch. */
    public static long epochMicros(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
    }

    /** The instant {@code micros} microseconds after the epoch. */
    public static Instant ofEpochMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /**
     * Orders values of mixed or unknown types deterministically: numbers (numeric text included) by value, then
     * instants and dates in time order (ISO text included), then times of day, then booleans, then anything else
     * by its text.
     */
    public static final Comparator<Object> LOOSE = (a, b) -> {
        int ka = kind(a);
        int kb = kind(b);
        if (ka != kb) {
            return Integer.compare(ka, kb);
        }
        return switch (ka) {
            case 0 -> decimal(a).compareTo(decimal(b));
            case 1 -> instant(a).compareTo(instant(b));
            case 2 -> ((LocalTime) a).compareTo((LocalTime) b);
            case 3 -> ((Boolean) a).compareTo((Boolean) b);
            default -> String.valueOf(text(a)).compareTo(String.valueOf(text(b)));
        };
    };

    private static int kind(Object v) {
        if (v instanceof String s) {
            if (decimal(s) != null) {
                return 0;
            }
            // ISO timestamps and dates: digits first, a dash later.
            if (!s.isEmpty() && Character.isDigit(s.charAt(0)) && s.indexOf('-') > 0 && instant(s) != null) {
                return 1;
            }
            return 4;
        }
        if (v instanceof Number) {
            return decimal(v) != null ? 0 : 4;
        }
        if (v instanceof Instant || v instanceof LocalDate) {
            return 1;
        }
        if (v instanceof LocalTime) {
            return 2;
        }
        if (v instanceof Boolean) {
            return 3;
        }
        return 4;
    }
}
