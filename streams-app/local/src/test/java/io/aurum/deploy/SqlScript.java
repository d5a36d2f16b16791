package io.aurum.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small reader for the demo SQL files: enough of PostgreSQL's lexical structure to find the
 * CREATE TABLE statements of a schema file (table and column names) and the rows of the INSERT statements of
 * a data file. It fails loudly on anything it does not understand, which is itself a check on the files.
 */
final class SqlScript {

    /** A table of a schema file: its name and its columns in declaration order. */
    record Table(String name, List<String> columns) {}

    /** One row of an INSERT: the target table and the column values by name (null for SQL NULL). */
    record Row(String table, Map<String, String> values) {
        String get(String column) {
            if (!values.containsKey(column)) {
                throw new IllegalArgumentException(table + " row has no column " + column + ": " + values);
            }
            return values.get(column);
        }
    }

    private enum Kind {
        WORD,
        STRING,
        NUMBER,
        PUNCT
    }

    private record Token(Kind kind, String text) {
        boolean is(String word) {
            return (kind == Kind.WORD || kind == Kind.PUNCT) && text.equalsIgnoreCase(word);
        }
    }

    private final List<Token> tokens;
    private int pos;

    private SqlScript(String sql) {
        this.tokens = tokenize(sql);
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tables created by a schema file, by name, in file order. */
    static Map<String, Table> tables(Path schemaFile) {
        SqlScript s = new SqlScript(read(schemaFile));
        Map<String, Table> tables = new LinkedHashMap<>();
        while (!s.atEnd()) {
            if (s.peek().is("CREATE") && s.peek(1).is("TABLE")) {
                Table t = s.createTable();
                tables.put(t.name(), t);
            } else {
                s.skipStatement();
            }
        }
        return tables;
    }

    /** The rows of every INSERT statement of a data file; any other statement is an error. */
    static List<Row> rows(Path dataFile) {
        SqlScript s = new SqlScript(read(dataFile));
        List<Row> rows = new ArrayList<>();
        while (!s.atEnd()) {
            s.insert(rows);
        }
        return rows;
    }

    private Table createTable() {
        expect("CREATE");
        expect("TABLE");
        if (peek().is("IF")) {
            expect("IF");
            expect("NOT");
            expect("EXISTS");
        }
        String name = identifier();
        expect("(");
        List<String> columns = new ArrayList<>();
        boolean elementStart = true;
        int depth = 1;
        while (depth > 0) {
            Token t = next();
            if (t.is("(")) {
                depth++;
            } else if (t.is(")")) {
                depth--;
            } else if (t.is(",") && depth == 1) {
                elementStart = true;
                continue;
            } else if (elementStart && depth == 1) {
                String w = t.text().toUpperCase(Locale.ROOT);
                if (t.kind() != Kind.WORD) {
                    throw new IllegalStateException("unexpected " + t + " in CREATE TABLE " + name);
                }
                if (!List.of("PRIMARY", "FOREIGN", "CONSTRAINT", "UNIQUE", "CHECK", "EXCLUDE")
                        .contains(w)) {
                    columns.add(unquote(t.text()));
                }
            }
            elementStart = false;
        }
        skipStatement();
        return new Table(name, List.copyOf(columns));
    }

    private void insert(List<Row> rows) {
        expect("INSERT");
        expect("INTO");
        String table = identifier();
        expect("(");
        List<String> columns = new ArrayList<>();
        do {
            columns.add(identifier());
        } while (accept(","));
        expect(")");
        expect("VALUES");
        do {
            expect("(");
            List<String> values = new ArrayList<>();
            do {
                values.add(value());
            } while (accept(","));
            expect(")");
            if (values.size() != columns.size()) {
                throw new IllegalStateException(
                        table + ": " + columns.size() + " columns but " + values.size() + " values " + values);
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                if (row.put(columns.get(i), values.get(i)) != null) {
                    throw new IllegalStateException(table + ": column " + columns.get(i) + " given twice");
                }
            }
            rows.add(new Row(table, row));
        } while (accept(","));
        if (accept("ON")) { // ON CONFLICT (id) DO NOTHING
            expect("CONFLICT");
            expect("(");
            identifier();
            expect(")");
            expect("DO");
            expect("NOTHING");
        }
        expect(";");
    }

    private String value() {
        Token t = next();
        return switch (t.kind()) {
            case STRING, NUMBER -> t.text();
            case WORD -> {
                if (t.is("NULL")) {
                    yield null;
                }
                throw new IllegalStateException(
                        "only literals are allowed in demo data, found " + t.text() + " near token " + pos);
            }
            case PUNCT -> {
                if (t.is("-") && peek().kind() == Kind.NUMBER) {
                    yield "-" + next().text();
                }
                throw new IllegalStateException("unexpected " + t.text() + " near token " + pos);
            }
        };
    }

    private String identifier() {
        Token t = next();
        if (t.kind() != Kind.WORD) {
            throw new IllegalStateException("identifier expected, found " + t.text() + " near token " + pos);
        }
        String id = unquote(t.text());
        if (accept(".")) { // schema-qualified: keep the table name
            return identifier();
        }
        return id;
    }

    private static String unquote(String word) {
        return word.startsWith("\"") ? word.substring(1, word.length() - 1) : word.toLowerCase(Locale.ROOT);
    }

    private void skipStatement() {
        while (!atEnd() && !next().is(";")) {
            // skip
        }
    }

    private boolean atEnd() {
        return pos >= tokens.size();
    }

    private Token peek() {
        return peek(0);
    }

    private Token peek(int ahead) {
        return pos + ahead < tokens.size() ? tokens.get(pos + ahead) : new Token(Kind.PUNCT, "<eof>");
    }

    private Token next() {
        if (atEnd()) {
            throw new IllegalStateException("unexpected end of script");
        }
        return tokens.get(pos++);
    }

    private boolean accept(String word) {
        if (peek().is(word)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String word) {
        Token t = next();
        if (!t.is(word)) {
            throw new IllegalStateException("expected " + word + " but found " + t.text() + " near token " + pos);
        }
    }

    private static List<Token> tokenize(String sql) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalStateException("unterminated comment");
                }
                i = end + 2;
            } else if (c == '\'') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalStateException("unterminated string literal");
                    }
                    char d = sql.charAt(i);
                    if (d == '\'') {
                        if (i + 1 < n && sql.charAt(i + 1) == '\'') {
                            sb.append('\'');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sb.append(d);
                    i++;
                }
                out.add(new Token(Kind.STRING, sb.toString()));
            } else if (c == '"') {
                int end = sql.indexOf('"', i + 1);
                out.add(new Token(Kind.WORD, sql.substring(i, end + 1)));
                i = end + 1;
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(start, i)));
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n
                        && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(start, i)));
            } else {
                out.add(new Token(Kind.PUNCT, String.valueOf(c)));
                i++;
            }
        }
        return out;
    }
}
