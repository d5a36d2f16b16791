package io.aurum.survivorship;

import java.util.Comparator;

/**
 * The order of primary keys in tie-breaks: integer keys by value (so {@code 999} ranks before {@code 1000}), any
 * other key as text. A composite key ({@code a|b}) compares part by part, each the same way. Deterministic and total,
 * so a tie is always broken the same way whatever the arrival order.
 */
final class Keys {
    private Keys() {}

    static final Comparator<String> ORDER = Keys::compare;

    static int compare(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        int i = 0;
        int j = 0;
        while (i <= a.length() && j <= b.length()) {
            int ei = a.indexOf('|', i);
            int ej = b.indexOf('|', j);
            String pa = a.substring(i, ei < 0 ? a.length() : ei);
            String pb = b.substring(j, ej < 0 ? b.length() : ej);
            int c = comparePart(pa, pb);
            if (c != 0) {
                return c;
            }
            if (ei < 0 || ej < 0) {
                return Boolean.compare(ei >= 0, ej >= 0);
            }
            i = ei + 1;
            j = ej + 1;
        }
        return a.compareTo(b);
    }

    private static int comparePart(String a, String b) {
        if (isInteger(a) && isInteger(b)) {
            boolean negA = a.charAt(0) == '-';
            boolean negB = b.charAt(0) == '-';
            if (negA != negB) {
                return negA ? -1 : 1;
            }
            String ma = stripZeros(negA ? a.substring(1) : a);
            String mb = stripZeros(negB ? b.substring(1) : b);
            int c = ma.length() != mb.length() ? Integer.compare(ma.length(), mb.length()) : ma.compareTo(mb);
            if (c == 0) {
                c = a.compareTo(b); // 007 and 7: equal numbers, still different keys
            }
            return negA ? -c : c;
        }
        return a.compareTo(b);
    }

    private static boolean isInteger(String s) {
        int start = s.startsWith("-") ? 1 : 0;
        if (s.length() == start) {
            return false;
        }
        for (int k = start; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripZeros(String digits) {
        int k = 0;
        while (k < digits.length() - 1 && digits.charAt(k) == '0') {
            k++;
        }
        return digits.substring(k);
    }
}
