package io.aurum.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML file parsed into a tree together with the line of every key, so that later validation can point
 * at the exact line. Environment variables are substituted first ({@code ${NAME}} or {@code ${NAME:-default}}), and
 * files ({@code ${file:/run/secrets/x}}, for secrets mounted as files), without changing line numbers, which lets
 * one file serve local mode and a container and keeps secrets out of it.
 */
public final class YamlDocument {
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    /** {@code ${file:/run/secrets/pg-password}}: the file's content without its trailing newline (secrets). */
    private static final Pattern FILE = Pattern.compile("\\$\\{file:([^}]+)}");

    private static final YAMLFactory YAML = new YAMLFactory();

    private final String file;
    private final JsonNode root;
    private final Map<String, Integer> lines;

    private YamlDocument(String file, JsonNode root, Map<String, Integer> lines) {
        this.file = file;
        this.root = root;
        this.lines = lines;
    }

    public static YamlDocument load(Path path, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, "", "cannot read the file: " + e.getMessage());
        }
        return parse(path.toString(), text, env);
    }

    public static YamlDocument parse(String file, String text, Map<String, String> env) {
        String substituted = substitute(file, text, env);
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.createParser(substituted)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return new YamlDocument(file, JsonNodeFactory.instance.objectNode(), lines);
            }
            lines.put("", parser.currentTokenLocation().getLineNr());
            JsonNode root = read(file, parser, "", lines);
            return new YamlDocument(file, root, lines);
        } catch (IOException e) {
            int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null
                    ? jpe.getLocation().getLineNr()
                    : 0;
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    ? jpe.getOriginalMessage()
                    : e.getMessage();
            throw new ConfigException(file, line, "", "not valid YAML: " + message);
        }
    }

    private static String substitute(String file, String text, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        String[] rows = text.split("\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i];
            // Comments may mention ${...} freely.
            int hash = commentStart(row);
            String code = hash >= 0 ? row.substring(0, hash) : row;
            code = files(file, i + 1, code);
            Matcher m = ENV.matcher(code);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = env.get(m.group(1));
                if (value == null) {
                    value = m.group(2);
                }
                if (value == null) {
                    throw new ConfigException(
                            file,
                            i + 1,
                            "",
                            "environment variable " + m.group(1) + " is not set and has no default (${" + m.group(1)
                                    + ":-default})");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            out.append(sb);
            if (hash >= 0) {
                out.append(row, hash, row.length());
            }
            if (i < rows.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String files(String file, int line, String code) {
        Matcher m = FILE.matcher(code);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Path secret = Path.of(m.group(1).trim());
            String value;
            try {
                value = Files.readString(secret).replaceFirst("\\R\\z", "");
            } catch (IOException | RuntimeException e) {
                // Never the content: only which file could not be read.
                throw new ConfigException(file, line, "", "cannot read " + secret + " (${file:...}): " + e);
            }
            if (value.contains("\n")) {
                throw new ConfigException(file, line, "", secret + " (${file:...}) holds more than one line");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static int commentStart(String row) {
        boolean single = false;
        boolean dbl = false;
        for (int i = 0; i < row.length(); i++) {
            char c = row.charAt(i);
            if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            } else if (c == '#' && !single && !dbl && (i == 0 || Character.isWhitespace(row.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode read(String file, JsonParser parser, String path, Map<String, Integer> lines)
            throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                ObjectNode obj = JsonNodeFactory.instance.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    String childPath = path.isEmpty() ? name : path + "." + name;
                    if (obj.has(name)) {
                        throw new ConfigException(
                                file, parser.currentTokenLocation().getLineNr(), childPath, "duplicate key");
                    }
                    lines.put(childPath, parser.currentTokenLocation().getLineNr());
                    parser.nextToken();
                    obj.set(name, read(file, parser, childPath, lines));
                }
                return obj;
            }
            case START_ARRAY -> {
                ArrayNode arr = JsonNodeFactory.instance.arrayNode();
                int i = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    String childPath = path + "[" + i + "]";
                    lines.put(childPath, parser.currentTokenLocation().getLineNr());
                    arr.add(read(file, parser, childPath, lines));
                    i++;
                }
                return arr;
            }
            case VALUE_NULL -> {
                return JsonNodeFactory.instance.nullNode();
            }
            default -> {
                // Scalars stay text: YAML's implicit typing ("no" -> false, "0123" -> 123) mangles ids and codes.
                return JsonNodeFactory.instance.textNode(parser.getText());
            }
        }
    }

    public String file() {
        return file;
    }

    public ConfigNode root() {
        return new ConfigNode(this, root, "");
    }

    int lineOf(String path) {
        String p = path;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            if (p.isEmpty()) {
                return 0;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
    }
}
