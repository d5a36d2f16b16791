package io.aurum.config;

/**
 * A configuration mistake, located precisely enough for an operator to fix it without reading code:
 * the file, the line and the dotted key path.
 */
public final class ConfigException extends RuntimeException {
    private final String file;
    private final int line;
    private final String key;
    private final String problem;

    public ConfigException(String file, int line, String key, String problem) {
        super(format(file, line, key, problem));
        this.file = file;
        this.line = line;
        this.key = key;
        this.problem = problem;
    }

    private static String format(String file, int line, String key, String problem) {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (key != null && !key.isEmpty()) {
            sb.append(": ").append(key);
        }
        return sb.append(": ").append(problem).toString();
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }
}
