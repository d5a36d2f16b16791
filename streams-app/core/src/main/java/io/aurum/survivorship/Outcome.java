package io.aurum.survivorship;

import io.aurum.schemas.Conflict;
import io.aurum.schemas.GoldenCustomer;
import java.util.List;

/** What survivorship makes of one cluster: its golden record and its open conflicts, sorted by field. */
public record Outcome(GoldenCustomer golden, List<Conflict> conflicts) {}
