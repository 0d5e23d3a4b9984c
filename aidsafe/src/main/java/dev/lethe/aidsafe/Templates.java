package dev.lethe.aidsafe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt of every pipeline stage as a text file with {@code {name}} placeholders: {@code intents}, {@code initial},
 * {@code deliberate}, {@code refine}, {@code respond} and {@code belief} ({@code NAME.txt}). The defaults are resources
 * of this module; a user folder replaces any of them by holding a file of the same name. Placeholders a stage does
 * not provide are an error naming the template, so a typo in a user template is caught before any request.
 */
public final class Templates {
    /** Every stage's template name. */
    public static final List<String> NAMES = List.of("intents", "initial", "deliberate", "refine", "respond", "belief");

    private final Map<String, String> text;
    private final Map<String, String> source;

    private Templates(Map<String, String> text, Map<String, String> source) {
        this.text = text;
        this.source = source;
    }

    public static Templates defaults() {
        return load(null);
    }

    /** The defaults, with {@code dir/NAME.txt} replacing a default when present (dir may be null). */
    public static Templates load(Path dir) {
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such template folder (--templates)");
        }
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>();
        for (String n : NAMES) {
            Path user = dir == null ? null : dir.resolve(n + ".txt");
            try {
                if (user != null && Files.isRegularFile(user)) {
                    text.put(n, Files.readString(user, StandardCharsets.UTF_8));
                    source.put(n, user.toString());
                } else {
                    try (InputStream in = Templates.class.getResourceAsStream("templates/" + n + ".txt")) {
                        text.put(n, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                    source.put(n, "templates/" + n + ".txt (built in)");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(source.getOrDefault(n, n) + ": cannot read template: "
                        + e.getMessage(), e);
            }
        }
        return new Templates(text, source);
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");

    /** The template filled with the given values. */
    public String fill(String name, Map<String, String> values) {
        String t = text.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no template '" + name + "'; known: " + NAMES);
        }
        Matcher m = PLACEHOLDER.matcher(t);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException(source.get(name) + ": unknown placeholder {" + m.group(1)
                        + "}; this template may use " + values.keySet().stream().map(k -> "{" + k + "}").toList());
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString().strip();
    }
}
