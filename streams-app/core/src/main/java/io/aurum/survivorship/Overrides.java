package io.aurum.survivorship;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/** The steward overrides that currently apply to one golden id, by override key. */
public record Overrides(Map<String, Steward> byId) {
    /**
     * Which override of a field wins: one aimed at the golden id itself, then the newest decision, then the key.
     */
    static final Comparator<Steward> PRECEDENCE = Comparator.comparing((Steward s) -> s.source() != null)
            .thenComparing(Comparator.comparingLong(Steward::at).reversed())
            .thenComparing(Steward::id);

    public static Overrides empty() {
        return new Overrides(new TreeMap<>());
    }

    public Overrides with(Steward s) {
        Map<String, Steward> copy = new TreeMap<>(byId);
        copy.put(s.id(), s);
        return new Overrides(copy);
    }

    /** Without it, or null when none is left (a tombstone in the aggregate). */
    public Overrides without(Steward s) {
        Map<String, Steward> copy = new TreeMap<>(byId);
        copy.remove(s.id());
        return copy.isEmpty() ? null : new Overrides(copy);
    }
}
