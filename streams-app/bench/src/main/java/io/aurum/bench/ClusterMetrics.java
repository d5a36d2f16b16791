package io.aurum.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Scores a clustering of source records against the true one.
 *
 * <p>Pairwise precision/recall count pairs of records placed together; B-cubed averages, per record, how much of
 * its predicted cluster is truly its own (precision) and how much of its true cluster it was placed with (recall).
 * Both come from the contingency table of (true cluster, predicted cluster) sizes, so the cost is linear in the
 * number of records rather than in the number of pairs.
 */
public final class ClusterMetrics {
    private ClusterMetrics() {}

    public record Scores(
            long records,
            int trueClusters,
            int predictedClusters,
            long truePairs,
            long predictedPairs,
            long correctPairs,
            double precision,
            double recall,
            double f1,
            double b3Precision,
            double b3Recall,
            double b3F1) {}

    /**
     * @param truth     record id → true customer, for every record evaluated
     * @param predicted record id → predicted cluster; a record missing here counts as a cluster of its own
     *                  (the resolver has not placed it), a record missing from {@code truth} is ignored
     */
    public static Scores evaluate(Map<String, String> truth, Map<String, String> predicted) {
        Map<String, Long> trueSize = new HashMap<>();
        Map<String, Long> predSize = new HashMap<>();
        Map<String, Long> cell = new HashMap<>();
        for (Map.Entry<String, String> e : truth.entrySet()) {
            String t = e.getValue();
            String p = predicted.get(e.getKey());
            if (p == null) {
                p = "\u0000unplaced:" + e.getKey();
            }
            trueSize.merge(t, 1L, Long::sum);
            predSize.merge(p, 1L, Long::sum);
            cell.merge(t + '\u0001' + p, 1L, Long::sum);
        }
        long truePairs =
                trueSize.values().stream().mapToLong(ClusterMetrics::pairs).sum();
        long predPairs =
                predSize.values().stream().mapToLong(ClusterMetrics::pairs).sum();
        long correct = 0;
        double b3p = 0;
        double b3r = 0;
        for (Map.Entry<String, Long> e : cell.entrySet()) {
            long n = e.getValue();
            correct += pairs(n);
            int sep = e.getKey().indexOf('\u0001');
            String t = e.getKey().substring(0, sep);
            String p = e.getKey().substring(sep + 1);
            b3p += (double) n * n / predSize.get(p);
            b3r += (double) n * n / trueSize.get(t);
        }
        long records = truth.size();
        double precision = predPairs == 0 ? 1.0 : (double) correct / predPairs;
        double recall = truePairs == 0 ? 1.0 : (double) correct / truePairs;
        double bp = records == 0 ? 1.0 : b3p / records;
        double br = records == 0 ? 1.0 : b3r / records;
        return new Scores(
                records,
                trueSize.size(),
                predSize.size(),
                truePairs,
                predPairs,
                correct,
                precision,
                recall,
                f1(precision, recall),
                bp,
                br,
                f1(bp, br));
    }

    private static long pairs(long n) {
        return n * (n - 1) / 2;
    }

    private static double f1(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Reads a {@code source,key,customer} file (with header) into record id ({@code source:key}) → customer. */
    public static Map<String, String> readTruth(Path file) throws IOException {
        Map<String, String> truth = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = in.readLine();
            if (line == null || !line.equals("source,key,customer")) {
                throw new IOException(file + ": expected the header source,key,customer, found " + line);
            }
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 3) {
                    throw new IOException(file + ": not source,key,customer: " + line);
                }
                truth.put(f[0] + ":" + f[1], f[2]);
            }
        }
        return truth;
    }
}
