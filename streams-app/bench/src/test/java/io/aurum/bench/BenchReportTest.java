package io.aurum.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir
    Path tmp;

    @Test
    void aRunReplacesOnlyItsOwnSection() throws Exception {
        Path doc = tmp.resolve("benchmarks.md");
        Files.writeString(doc, "# Benchmarks\n\nhand-written analysis\n");
        BenchReport first = new BenchReport("load:10", "Load", "./aurum bench load --records 10");
        BenchReport.row(first.table("t", "phase", "events/s"), "(c)", 1.5);
        first.writeTo(doc);
        BenchReport other = new BenchReport("quality:10", "Quality", "./aurum bench quality --records 10");
        other.writeTo(doc);
        BenchReport again = new BenchReport("load:10", "Load", "./aurum bench load --records 10");
        BenchReport.row(again.table("t", "phase", "events/s"), "(c)", 2.5);
        again.writeTo(doc);

        String text = Files.readString(doc);
        assertThat(text).startsWith("# Benchmarks\n\nhand-written analysis\n");
        assertThat(text).contains("| (c) | 2.500 |").doesNotContain("| (c) | 1.500 |");
        assertThat(text.indexOf("<!-- bench:load:10 begin -->"))
                .isEqualTo(text.lastIndexOf("<!-- bench:load:10 begin -->"));
        assertThat(text).contains("<!-- bench:quality:10 begin -->", "./aurum bench load --records 10");
    }
}
