package dev.lethe.aidsafe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The written safety policies agents deliberate against: a plain-text file, one policy per line (a leading "- ", "* "
 * or "1." list marker is dropped), blank lines and lines starting with {@code #} ignored. {@link #defaults()} is the
 * small policy set Lethe ships ({@code default-policies.txt}, written for Lethe).
 */
public record Policies(List<String> items, String source) {
    public Policies {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException(source + ": no policies; write one policy per line (lines starting with"
                    + " # are comments)");
        }
    }

    public static Policies read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such policy file (--policies)");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static Policies defaults() {
        try (InputStream in = Policies.class.getResourceAsStream("default-policies.txt")) {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default-policies.txt");
        } catch (IOException e) {
            throw new IllegalStateException("default-policies.txt is missing from the aidsafe jar", e);
        }
    }

    static Policies parse(String text, String source) {
        return new Policies(lines(text), source);
    }

    /** Non-blank, non-comment lines, list markers removed. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            l = l.replaceFirst("^([-*]|\\d+[.)])\\s+", "");
            if (!l.isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }

    /** The policies numbered for a prompt: "1. ...", one per line. */
    public String numbered() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            b.append(i + 1).append(". ").append(items.get(i)).append('\n');
        }
        return b.toString().strip();
    }
}
