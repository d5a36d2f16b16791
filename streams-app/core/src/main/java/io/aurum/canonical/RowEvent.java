package io.aurum.canonical;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What the map stage says about the rows of one source table: a row changed, or a snapshot of the table has
 * finished in one CDC partition and every row it did not see is gone.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = SourceChange.class, name = "change"),
    @JsonSubTypes.Type(value = SnapshotSweep.class, name = "sweep")
})
public sealed interface RowEvent permits SourceChange, SnapshotSweep {
    /** The source ({@code <database>.<table>}) whose rows this is about. */
    String source();
}
