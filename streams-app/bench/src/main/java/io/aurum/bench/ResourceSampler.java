package io.aurum.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak heap in use and peak resident set of this JVM over one phase, sampled every 100 ms. Heap is sampled rather
 * than read from the pools' peak counters because those sum per-pool peaks reached at different moments.
 */
final class ResourceSampler implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakHeap;
    private volatile long peakRss;
    private final long cpuStart = processCpuNanos();
    private final long wallStart = System.nanoTime();
    private long cpuNanos;
    private long wallNanos;
    private long streamThreadCpuNanos;

    ResourceSampler() {
        thread = new Thread(
                () -> {
                    while (running) {
                        sample();
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "bench-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
        peakRss = Math.max(peakRss, rss());
    }

    long peakHeapMb() {
        return peakHeap >> 20;
    }

    long peakRssMb() {
        return peakRss >> 20;
    }

    /** Cores this JVM kept busy on average (process CPU time / wall time); Postgres is another process. */
    double cores() {
        return wallNanos == 0 ? 0 : (double) cpuNanos / wallNanos;
    }

    static long rss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        thread.interrupt();
        sample();
        cpuNanos = processCpuNanos() - cpuStart;
        wallNanos = System.nanoTime() - wallStart;
        streamThreadCpuNanos = streamThreadCpu();
    }

    /**
     * CPU time of the live stream threads (not their producers' I/O threads), read when the phase ends: a phase
     * starts its own runtime, whose stream threads start with it. Unlike wall time it barely depends on what else
     * the two cores were doing, so it compares the stream threads' own work between runs and builds.
     */
    long streamThreadCpuNanos() {
        return streamThreadCpuNanos;
    }

    private static long streamThreadCpu() {
        var threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null
                    && info.getThreadName().contains("-StreamThread-")
                    && !info.getThreadName().contains("producer")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }
}
