package io.aurum.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.config.Configuration;
import io.debezium.embedded.async.AsyncEngineConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The engine really reads the time Aurum gives a task to start (a key it ignored would leave Debezium's 40 s). */
class TaskTimeoutTest {
    @Test
    void theEngineReadsTheTaskTimeoutAurumSets() {
        Map<String, String> p = new HashMap<>();
        CaptureService.taskTimeout(p);
        assertThat(engineTimeout(p)).isEqualTo(CaptureService.TASK_START_TIMEOUT.toMillis());
    }

    @Test
    void theBareNameIsNotTheEnginesKey() {
        // What the previous release set: the engine's field is internal, so this changed nothing.
        assertThat(engineTimeout(Map.of("task.management.timeout.ms", "300000")))
                .isNotEqualTo(300_000L);
    }

    private static long engineTimeout(Map<String, String> settings) {
        Properties props = new Properties();
        props.putAll(settings);
        return Configuration.from(props).getLong(AsyncEngineConfig.TASK_MANAGEMENT_TIMEOUT_MS);
    }
}
