package io.aurum.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.PipelineConfig.BlockTransform;
import io.aurum.config.PipelineConfig.CompareMethod;
import io.aurum.config.PipelineConfig.ComparisonDef;
import io.aurum.config.PipelineConfig.MatchRuleDef;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentifiersTest {
    private static MatchRuleDef rule(BlockTransform transform, Set<String> exclude) {
        return new MatchRuleDef(
                "r", "name", transform, exclude, List.of(new ComparisonDef("name", CompareMethod.EXACT, 1.0)), 100);
    }

    @Test
    void lastWordBlocksOnTheSurnameOfAFullName() {
        MatchRuleDef surname = rule(BlockTransform.LAST_WORD, Set.of("smith"));
        assertThat(Identifiers.blockKey(surname, "  Jane   van Dijk ")).isEqualTo("dijk");
        assertThat(Identifiers.blockKey(surname, "Müller")).isEqualTo("müller");
        // The exclusion list applies to the block key, as for every transform.
        assertThat(Identifiers.blockKey(surname, "John Smith")).isNull();
        assertThat(Identifiers.blockKey(surname, "   ")).isNull();
    }

    @Test
    void emailDomainAndTextBlocks() {
        assertThat(Identifiers.blockKey(rule(BlockTransform.EMAIL_DOMAIN, Set.of()), " Jane@ACME.com"))
                .isEqualTo("acme.com");
        assertThat(Identifiers.blockKey(rule(BlockTransform.EMAIL_DOMAIN, Set.of()), "not an address"))
                .isNull();
        assertThat(Identifiers.blockKey(rule(BlockTransform.TEXT, Set.of()), " ACME  Corp "))
                .isEqualTo("acme corp");
    }
}
