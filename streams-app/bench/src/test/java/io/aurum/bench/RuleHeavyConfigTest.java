package io.aurum.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig.MatchRuleDef;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rule-heavy bench config (issue 10) loads, and is the demo config plus compound rules with large blocks. */
class RuleHeavyConfigTest {
    @Test
    void isTheDemoConfigWithFiveCompoundRules() {
        AurumConfig heavy = AurumConfig.load(Path.of("config/rule-heavy.yaml"));
        AurumConfig demo = AurumConfig.fromClasspath("config/demo.yaml");
        Map<String, MatchRuleDef> rules = heavy.pipeline().matchRules();
        assertThat(rules).hasSize(5).containsKey("company_domain");
        assertThat(rules.values()).filteredOn(r -> r.maxRecords() >= 300).hasSizeGreaterThanOrEqualTo(4);
        assertThat(heavy.pipeline().sources()).isEqualTo(demo.pipeline().sources());
        assertThat(heavy.pipeline().matchKeys()).isEqualTo(demo.pipeline().matchKeys());
        assertThat(heavy.streams()).isEqualTo(demo.streams());
    }
}
