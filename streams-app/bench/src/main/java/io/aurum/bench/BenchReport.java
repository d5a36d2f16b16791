package io.aurum.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One benchmark's outcome: tables of figures and notes, printed as text and written into docs/benchmarks.md
 * between markers that name the benchmark and its size, so each run replaces only its own section.
 */
final class BenchReport {
    record Table(String title, List<String> header, List<List<String>> rows) {}

    private final String key;
    private final String title;
    private final String command;
    private final String started = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    private final String loadBefore = loadAverage();
    private final List<Table> tables = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    BenchReport(String key, String title, String command) {
        this.key = key;
        this.title = title;
        this.command = command;
    }

    Table table(String title, String... header) {
        Table t = new Table(title, List.of(header), new ArrayList<>());
        tables.add(t);
        return t;
    }

    static void row(Table t, Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c instanceof Double d ? fmt(d) : String.valueOf(c));
        }
        t.rows().add(r);
    }

    void note(String text) {
        notes.add(text);
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "–";
        }
        if (Math.abs(d) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", d);
        }
        if (Math.abs(d) >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    static String machine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: leave the defaults
        }
        return String.format(
                Locale.ROOT,
                "%d cores (%s), %.1f GiB RAM, %s %s, max heap %d MiB",
                Runtime.getRuntime().availableProcessors(),
                cpu,
                memKb / 1024.0 / 1024.0,
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                Runtime.getRuntime().maxMemory() >> 20);
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("\n== ").append(title).append(" ==\n");
        for (Table t : tables) {
            sb.append('\n').append(t.title()).append('\n');
            int[] w = new int[t.header().size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = t.header().get(i).length();
                for (List<String> r : t.rows()) {
                    w[i] = Math.max(w[i], r.get(i).length());
                }
            }
            appendRow(sb, t.header(), w);
            for (List<String> r : t.rows()) {
                appendRow(sb, r, w);
            }
        }
        for (String n : notes) {
            sb.append("* ").append(n).append('\n');
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < cells.size(); i++) {
            sb.append(i == 0 ? "  " : "  ").append(String.format("%-" + w[i] + "s", cells.get(i)));
        }
        sb.append('\n');
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(title).append("\n\n");
        sb.append("* Command: `").append(command).append("`\n");
        sb.append("* Date: ")
                .append(started)
                .append("; machine: ")
                .append(machine())
                .append('\n');
        sb.append("* Load average (1/5/15 min) before / after: ")
                .append(loadBefore)
                .append(" / ")
                .append(loadAverage())
                .append(" (the machine is shared: other work ran at the same time)\n");
        sb.append("* JVM flags: `")
                .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .append("`\n");
        for (Table t : tables) {
            sb.append("\n")
                    .append(t.title())
                    .append("\n\n| ")
                    .append(String.join(" | ", t.header()))
                    .append(" |\n|");
            for (int i = 0; i < t.header().size(); i++) {
                sb.append(i == 0 ? "---|" : "---:|");
            }
            sb.append('\n');
            for (List<String> r : t.rows()) {
                sb.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String n : notes) {
                sb.append("* ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    /** Replaces this benchmark's section of {@code doc} (or appends it), leaving everything else as it was. */
    void writeTo(Path doc) throws IOException {
        String begin = "<!-- bench:" + key + " begin -->";
        String end = "<!-- bench:" + key + " end -->";
        String section = begin + "\n" + markdown() + end;
        String text = Files.exists(doc)
                ? Files.readString(doc, StandardCharsets.UTF_8)
                : "# Benchmarks\n\nWritten by `./aurum bench`; see the end of the file for the measured runs.\n";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + section + text.substring(e + end.length());
        } else {
            text = text.stripTrailing() + "\n\n" + section + "\n";
        }
        Path parent = doc.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(doc, text, StandardCharsets.UTF_8);
    }
}
