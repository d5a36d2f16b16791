package io.aurum.identity;

import java.util.List;

/**
 * An identifier value Aurum refuses to link on, as the identity stage sees it.
 *
 * @param kind   HUB (more holders than the limit) or BLOCKLISTED
 * @param sample up to 10 holders' record ids, sorted
 */
public record QualityReport(String kind, String matchKey, String value, int records, int limit, List<String> sample) {
    public static final int SAMPLE = 10;
}
