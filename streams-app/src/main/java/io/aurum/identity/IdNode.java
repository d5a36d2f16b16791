package io.aurum.identity;

import java.util.List;

/** The identity stage's view of one record: its identifiers, its anchor key and its current membership. */
public record IdNode(List<String> identifiers, Anchor anchor, String goldenId, String reason) {

    public IdNode withMembership(String goldenId, String reason) {
        return new IdNode(identifiers, anchor, goldenId, reason);
    }
}
