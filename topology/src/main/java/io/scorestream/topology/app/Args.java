package io.scorestream.topology.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of one sub-command: {@code --name value}, {@code --name=value} and bare
 * {@code --flag}s. Unknown options are rejected with their name. Not thread-safe.
 */
final class Args {

    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * Parses {@code args}.
     *
     * @param withValue options that take a value
     * @param flags options that take none
     * @throws UsageException naming an unknown option or a missing value
     */
    static Args parse(String command, String[] args, Set<String> withValue, Set<String> flags) {
        final Args a = new Args(command);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException(command + ": unexpected argument '" + arg + "'");
            }
            String value = null;
            final int eq = arg.indexOf('=');
            if (eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            final String name = arg.substring(2);
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException(command + ": option --" + name + " takes no value");
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException(command + ": unknown option --" + name + "; known options: "
                        + String.join(", ", known(withValue, flags)));
            }
        }
        return a;
    }

    private static List<String> known(Set<String> withValue, Set<String> flags) {
        final List<String> all = new ArrayList<>();
        withValue.stream().sorted().forEach(o -> all.add("--" + o));
        flags.stream().sorted().forEach(o -> all.add("--" + o));
        return all;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String get(String name, String fallback) {
        final List<String> v = values.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String required(String name) {
        final String v = get(name, null);
        if (v == null || v.isBlank()) {
            throw new UsageException(command + ": option --" + name + " is required");
        }
        return v;
    }

    long longValue(String name, long fallback, long min) {
        final String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        final long parsed;
        try {
            parsed = Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": option --" + name + " needs a whole number, got '" + v + "'");
        }
        if (parsed < min) {
            throw new UsageException(command + ": option --" + name + " must be >= " + min + ", got " + parsed);
        }
        return parsed;
    }

    double doubleValue(String name, double fallback) {
        final String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": option --" + name + " needs a number, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** A wrong command line: printed with the usage, exit code 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
