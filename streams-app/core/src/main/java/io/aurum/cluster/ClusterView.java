package io.aurum.cluster;

import io.aurum.canonical.SourceRecord;
import java.util.Map;

/** The current members of one cluster, by record id: the whole input of survivorship for one golden id. */
public record ClusterView(Map<String, SourceRecord> members) {}
