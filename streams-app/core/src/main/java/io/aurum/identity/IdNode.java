package io.aurum.identity;

import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import java.util.List;
import java.util.Map;

/** A record as the identity rules see it: its identifiers, its anchor key and the values compound rules compare. */
public record IdNode(List<String> identifiers, Anchor anchor, Map<String, String> features) {

    public static IdNode of(PipelineConfig config, Linking linking, SourceRecord r) {
        Anchor anchor = new Anchor(r.createdAt(), config.priorityOf(r.system()), r.source(), r.key());
        return new IdNode(r.identifiers(), anchor, linking.features(r));
    }
}
