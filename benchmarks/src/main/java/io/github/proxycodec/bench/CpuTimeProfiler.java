package io.github.proxycodec.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JMH profiler that reports the CPU time the benchmark's worker threads spent per operation
 * ({@code cpu.time.per.op}, in ns). On a machine shared with other builds a thread waits for a
 * core for much of the wall-clock time JMH measures, and the ops/µs scores then say more about
 * the neighbours than about the code; a thread's own CPU time does not count that wait. Use it
 * with {@code -prof io.github.proxycodec.bench.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> before = new HashMap<>();

    /** Creates the profiler; JMH calls this once per fork. */
    public CpuTimeProfiler() {
        if (!THREADS.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
        }
        THREADS.setThreadCpuTimeEnabled(true);
    }

    @Override
    public String getDescription() {
        return "CPU time of the benchmark's worker threads per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before.clear();
        for (Thread t : workers()) {
            before.put(t.getId(), THREADS.getThreadCpuTime(t.getId()));
        }
    }

    @Override
    public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                 IterationResult result) {
        long cpu = 0;
        for (Thread t : workers()) {
            long now = THREADS.getThreadCpuTime(t.getId());
            cpu += now - before.getOrDefault(t.getId(), 0L);
        }
        // Every operation the workers ran, including those while the iteration started and
        // stopped, since the CPU time covers those too.
        long ops = Math.max(1, result.getMetadata().getAllOps());
        return List.of(new ScalarResult("cpu.time.per.op", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
    }

    private static List<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("jmh-worker"))
                .toList();
    }
}
