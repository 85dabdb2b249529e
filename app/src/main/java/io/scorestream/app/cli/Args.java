package io.scorestream.app.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of one sub-command: {@code --name value}, {@code --name=value} and bare
 * {@code --flag}s. Unknown options are rejected with their name. Every {@link UsageException} it
 * throws starts with the command's name ({@code "replay: option --topic is required"}). Not
 * thread-safe.
 */
public final class Args {

    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * Parses {@code args}. An option given more than once keeps every value ({@link #all}; the
     * last one wins in {@link #get}), and a value option takes the next argument whatever it is.
     *
     * @param withValue options that take a value
     * @param flags options that take none
     * @throws UsageException naming an unknown option or a missing value
     */
    public static Args parse(String command, String[] args, Set<String> withValue, Set<String> flags) {
        return parse(command, args, withValue, flags, null);
    }

    /**
     * Parses {@code args} like {@link #parse(String, String[], Set, Set)}, more strictly: an option
     * not in {@code repeatable} may be given once, and a value option followed by an argument that
     * starts with {@code --} has no value (give such a value as {@code --name=--value}).
     *
     * @param repeatable options that may be given more than once
     * @throws UsageException naming an unknown option, a missing value or an option given twice
     */
    public static Args parseStrict(String command, String[] args, Set<String> withValue, Set<String> flags,
                                   Set<String> repeatable) {
        return parse(command, args, withValue, flags, Set.copyOf(repeatable));
    }

    /** {@code repeatable} null: lenient. */
    private static Args parse(String command, String[] args, Set<String> withValue, Set<String> flags,
                              Set<String> repeatable) {
        final boolean strict = repeatable != null;
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
                a.add(name, "true", strict && !repeatable.contains(name));
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || strict && args[i + 1].startsWith("--")) {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                a.add(name, value, strict && !repeatable.contains(name));
            } else {
                throw new UsageException(command + ": unknown option --" + name + "; known options: "
                        + String.join(", ", known(withValue, flags)));
            }
        }
        return a;
    }

    private void add(String name, String value, boolean once) {
        final List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
        if (once && !list.isEmpty()) {
            throw new UsageException(command + ": option --" + name + " is given twice");
        }
        list.add(value);
    }

    private static List<String> known(Set<String> withValue, Set<String> flags) {
        final List<String> all = new ArrayList<>();
        withValue.stream().sorted().forEach(o -> all.add("--" + o));
        flags.stream().sorted().forEach(o -> all.add("--" + o));
        return all;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value of {@code name}, or {@code fallback} when it is not given. */
    public String get(String name, String fallback) {
        final List<String> v = values.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** Every value of {@code name}, in the order given; empty when it is not given. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** The last value of {@code name}, which must be given and not blank. */
    public String required(String name) {
        final String v = get(name, null);
        if (v == null || v.isBlank()) {
            throw new UsageException(command + ": option --" + name + " is required");
        }
        return v;
    }

    /** The last value of {@code name} as a whole number ({@code _} allowed), at least {@code min}. */
    public long longValue(String name, long fallback, long min) {
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

    public double doubleValue(String name, double fallback) {
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

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    /** A wrong command line: printed with the usage, exit code 2. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message what is wrong, starting with the command's name */
        public UsageException(String message) {
            super(message);
        }
    }

    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
