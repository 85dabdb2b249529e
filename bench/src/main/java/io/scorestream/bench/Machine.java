package io.scorestream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the benchmark ran on: cores, CPU model, memory, Java and the JVM's flags.
 *
 * @param cores {@link Runtime#availableProcessors()} (what {@code nproc} prints)
 * @param cpuModel the first {@code model name} of {@code /proc/cpuinfo} (what {@code lscpu} prints)
 * @param memoryBytes {@code MemTotal} of {@code /proc/meminfo}
 * @param java vendor, version and VM of this JVM
 * @param os operating system name, version and architecture
 * @param jvmArguments the flags this JVM was started with
 */
record Machine(int cores, String cpuModel, long memoryBytes, String java, String os, List<String> jvmArguments) {

    /** This machine. */
    static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(),
                field(Path.of("/proc/cpuinfo"), "model name", "unknown"),
                parseKb(field(Path.of("/proc/meminfo"), "MemTotal", "0 kB")) * 1024,
                System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                List.copyOf(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    /** One line, e.g. {@code 2 cores (AMD EPYC), 23.4 GiB, Java ...}. */
    String oneLine() {
        return String.format(Locale.ROOT, "%d cores (%s), %.1f GiB, %s, %s", cores, cpuModel,
                memoryBytes / (1024.0 * 1024 * 1024), java, os);
    }

    private static String field(Path file, String name, String fallback) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                final int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
        return fallback;
    }

    private static long parseKb(String text) {
        try {
            return Long.parseLong(text.replace("kB", "").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
