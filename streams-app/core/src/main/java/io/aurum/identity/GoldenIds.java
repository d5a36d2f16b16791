package io.aurum.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Golden ids are a hash of the anchor's record id: stable for as long as the anchor anchors the cluster,
 * reproducible by the reference model and by {@code aurum verify}, and opaque (no source key leaks into an id
 * that consumers store). 80 bits keep collisions out of reach for billions of records.
 */
public final class GoldenIds {
    public static final String PREFIX = "gc_";

    private GoldenIds() {}

    public static String of(String anchorRecordId) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(anchorRecordId.getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
