package io.aurum.codec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The compact binary form of Aurum's internal messages and state: variable-length integers, length-prefixed
 * UTF-8 strings, and typed canonical values. Internal topics and stores are read only by Aurum, so they need no
 * self-description; what they need is to be cheap, since every change crosses several of them (JSON databinding
 * was a third of the stream threads' time). Each codec writes a format version first, so a release can still read
 * what the previous one wrote.
 */
public final class Binary {
    private Binary() {}

    /** Tags of canonical attribute values. */
    static final byte NULL = 0;

    static final byte STRING = 1;
    static final byte LONG = 2;
    static final byte DOUBLE = 3;
    static final byte TRUE = 4;
    static final byte FALSE = 5;
    static final byte DECIMAL = 6;
    static final byte DATE = 7;
    static final byte INSTANT = 8;
    static final byte TIME = 9;
    static final byte BYTES = 10;
    static final byte LIST = 11;
    static final byte MAP = 12;

    /** Appends to a growing buffer. */
    public static final class Writer {
        private byte[] buf;
        private int pos;

        public Writer(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        public Writer() {
            this(256);
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        public Writer u8(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
            return this;
        }

        public Writer bool(boolean b) {
            return u8(b ? 1 : 0);
        }

        /** Unsigned LEB128. */
        public Writer varlong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
            return this;
        }

        public Writer varint(int v) {
            return varlong(v & 0xFFFFFFFFL);
        }

        /** Zig-zag, so small negative numbers stay small. */
        public Writer zlong(long v) {
            return varlong((v << 1) ^ (v >> 63));
        }

        public Writer f64(double d) {
            long bits = Double.doubleToRawLongBits(d);
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[pos++] = (byte) (bits >>> (56 - 8 * i));
            }
            return this;
        }

        public Writer bytes(byte[] b) {
            varint(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        /** A string, or null. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exact for ASCII, which is checked
        public Writer str(String s) {
            if (s == null) {
                return varint(0);
            }
            // Most strings here (ids, keys, e-mail addresses, codes) are ASCII: their UTF-8 form is their chars,
            // copied straight into the buffer. Encoding them to a new array first was a twentieth of a stream thread.
            int n = s.length();
            if (n < 64 && isAscii(s, n)) {
                varint(n + 1);
                ensure(n);
                s.getBytes(0, n, buf, pos);
                pos += n;
                return this;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length + 1);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        private static boolean isAscii(String s, int n) {
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        public <T> Writer list(List<T> list, BiConsumer<Writer, T> element) {
            varint(list.size());
            for (T t : list) {
                element.accept(this, t);
            }
            return this;
        }

        public <V> Writer map(Map<String, V> map, BiConsumer<Writer, V> value) {
            varint(map.size());
            for (Map.Entry<String, V> e : map.entrySet()) {
                str(e.getKey());
                value.accept(this, e.getValue());
            }
            return this;
        }

        /** A nullable part: a presence byte, then the part. */
        public <T> Writer opt(T t, BiConsumer<Writer, T> part) {
            bool(t != null);
            if (t != null) {
                part.accept(this, t);
            }
            return this;
        }

        /** A canonical attribute value (see {@link Binary}). */
        public Writer value(Object v) {
            if (v == null) {
                return u8(NULL);
            }
            if (v instanceof String s) {
                return u8(STRING).str(s);
            }
            if (v instanceof Long l) {
                return u8(LONG).zlong(l);
            }
            if (v instanceof Integer i) {
                return u8(LONG).zlong(i);
            }
            if (v instanceof Double d) {
                return u8(DOUBLE).f64(d);
            }
            if (v instanceof Boolean b) {
                return u8(b ? TRUE : FALSE);
            }
            if (v instanceof BigDecimal d) {
                return u8(DECIMAL).zlong(d.scale()).bytes(d.unscaledValue().toByteArray());
            }
            if (v instanceof LocalDate d) {
                return u8(DATE).zlong(d.toEpochDay());
            }
            if (v instanceof Instant i) {
                return u8(INSTANT).zlong(i.getEpochSecond()).varint(i.getNano());
            }
            if (v instanceof LocalTime t) {
                return u8(TIME).varlong(t.toNanoOfDay());
            }
            if (v instanceof byte[] b) {
                return u8(BYTES).bytes(b);
            }
            if (v instanceof List<?> l) {
                u8(LIST).varint(l.size());
                l.forEach(this::value);
                return this;
            }
            if (v instanceof Map<?, ?> m) {
                u8(MAP).varint(m.size());
                m.forEach((k, x) -> {
                    str((String) k);
                    value(x);
                });
                return this;
            }
            throw new IllegalArgumentException(
                    "not a canonical value: " + v.getClass().getName());
        }

        public byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    /** Reads what a {@link Writer} wrote, in the same order. */
    public static final class Reader {
        private final byte[] buf;
        private int pos;

        public Reader(byte[] buf) {
            this.buf = buf;
        }

        public int u8() {
            if (pos >= buf.length) {
                throw new IllegalArgumentException("truncated: read past " + buf.length + " bytes");
            }
            return buf[pos++] & 0xFF;
        }

        public boolean bool() {
            return u8() != 0;
        }

        public long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        public int varint() {
            return (int) varlong();
        }

        public long zlong() {
            long v = varlong();
            return (v >>> 1) ^ -(v & 1);
        }

        public double f64() {
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = (bits << 8) | u8();
            }
            return Double.longBitsToDouble(bits);
        }

        public byte[] bytes() {
            int n = varint();
            if (n < 0 || pos + n > buf.length) {
                throw new IllegalArgumentException("truncated: " + n + " bytes announced");
            }
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        public String str() {
            int n = varint();
            if (n == 0) {
                return null;
            }
            n--;
            if (n < 0 || pos + n > buf.length) {
                throw new IllegalArgumentException("truncated: " + n + " string bytes announced");
            }
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        public <T> List<T> list(Function<Reader, T> element) {
            int n = varint();
            List<T> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(element.apply(this));
            }
            return out;
        }

        /** A map in written order, into the given map. */
        public <V, M extends Map<String, V>> M map(Supplier<M> empty, Function<Reader, V> value) {
            int n = varint();
            M out = empty.get();
            for (int i = 0; i < n; i++) {
                String k = str();
                out.put(k, value.apply(this));
            }
            return out;
        }

        public <V> Map<String, V> map(Function<Reader, V> value) {
            return map(LinkedHashMap::new, value);
        }

        /** A map sorted by key. */
        public <V> java.util.TreeMap<String, V> sorted(Function<Reader, V> value) {
            return map(java.util.TreeMap::new, value);
        }

        public <T> T opt(Function<Reader, T> part) {
            return bool() ? part.apply(this) : null;
        }

        public Object value() {
            int tag = u8();
            return switch (tag) {
                case NULL -> null;
                case STRING -> str();
                case LONG -> zlong();
                case DOUBLE -> f64();
                case TRUE -> Boolean.TRUE;
                case FALSE -> Boolean.FALSE;
                case DECIMAL -> {
                    int scale = (int) zlong();
                    yield new BigDecimal(new BigInteger(bytes()), scale);
                }
                case DATE -> LocalDate.ofEpochDay(zlong());
                case INSTANT -> {
                    long seconds = zlong();
                    yield Instant.ofEpochSecond(seconds, varint());
                }
                case TIME -> LocalTime.ofNanoOfDay(varlong());
                case BYTES -> bytes();
                case LIST -> {
                    int n = varint();
                    List<Object> l = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        l.add(value());
                    }
                    yield l;
                }
                case MAP -> {
                    int n = varint();
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        String k = str();
                        m.put(k, value());
                    }
                    yield m;
                }
                default -> throw new IllegalArgumentException("unknown value tag " + tag);
            };
        }

        public boolean atEnd() {
            return pos == buf.length;
        }
    }
}
