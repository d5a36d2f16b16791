package io.aurum.identity;

import io.aurum.canonical.RecordIds;
import java.util.Comparator;

/**
 * The ordering that picks a cluster's anchor, and so its golden id: the oldest member by the configured
 * created-at column, then by system priority, source and key. It depends only on source data, which is why an
 * insert joining a cluster never changes the cluster's id and the older side of a merge keeps its id.
 */
public record Anchor(long createdAt, int priority, String source, String key) implements Comparable<Anchor> {

    private static final Comparator<Anchor> ORDER = Comparator.comparingLong(Anchor::createdAt)
            .thenComparingInt(Anchor::priority)
            .thenComparing(Anchor::source)
            .thenComparing(Anchor::key, Anchor::compareKeys);

    public String recordId() {
        return RecordIds.of(source, key);
    }

    @Override
    public int compareTo(Anchor other) {
        return ORDER.compare(this, other);
    }

    /** Numeric keys in numeric order (9 before 10); anything else as text. */
    static int compareKeys(String a, String b) {
        if (isDigits(a) && isDigits(b)) {
            String x = stripZeros(a);
            String y = stripZeros(b);
            int byLength = Integer.compare(x.length(), y.length());
            return byLength != 0 ? byLength : x.compareTo(y);
        }
        return a.compareTo(b);
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String stripZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return s.substring(i);
    }
}
